package templates

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// An evaluator of deskd's own for the parsed templates. text/template walks the same trees, but
// looks every field up by name (reflect's FieldByName) and calls every function through
// reflect.Value.Call, each time: three quarters of a mail's rendering. This one runs the trees
// text/template parsed (and html/template escaped), with the same rules, compiled once at Load
// into nodes of its own (compile.go): functions, escapers and called templates resolved, a chain
// of fields read by one index path cached per type, the template functions of the usual shapes
// called directly (callDirect), the strings they return kept unboxed, strings and integers written
// without fmt. The files, the override folder and the language folders are read and parsed
// exactly as before; only the execution is ours.
//
// It is conservative: a node, a function or an escaper it does not know makes it refuse the
// template when it is built (Load then keeps text/template for that template), and anything
// unusual at run time (a value of a kind it does not print itself, a comparison of two kinds, a
// missing map key, an error from a function, a panic) makes Render throw its output away and
// render the mail with text/template, which then writes what it always wrote, or its error.
// Load renders every sample with both and keeps ours for a template only when the bytes are the
// same (TestEvaluatorMatchesEngine); the golden files hold the result.
//
// Ours beats text/template on deskd's templates: BenchmarkRender, French, alternated on the
// same loaded machine (`go test ./templates -run '^$' -bench Render -benchmem`), an
// acknowledgement 58–73 µs and 210 allocations with text/template against 22–28 µs and 54 with
// this evaluator as it first walked the parse trees, an assignment notice 116–149 µs and 458
// against 50–52 µs and 110 (bench/README.md, "Sending, third pass"). Compiled, an
// acknowledgement and an assignment notice (Render, all of it) take 223,200 instructions and 46
// allocations against 386,800 and 132 when it walked the parse trees (−42 %; callgrind with
// --toggle-collect='*templates.(*Set).Render' on BenchmarkRender, 2000x less 1000x, the
// command in render_bench_test.go); a new ticket's two copies in mailout, rendered and built
// (BenchmarkCopyBytes, 300x, its doc comment's command), 662,700 → 495,600 instructions and
// 193 → 107 allocations. Since, chains of exported fields read at their offsets (fieldPath.at),
// on a pointer without following it, a field alone read without the command loop, functions'
// signatures worked out once, the last HTML escaper writing into the output: 209,100 → 194,000
// instructions and 38 → 28 allocations.

// errFallback makes Render render the mail with text/template instead.
var errFallback = errors.New("templates: not for the evaluator")

// program is one template compiled for the evaluator (compile.go): its tree as nodes of the
// evaluator's own, with every function, escaper, called template and field name resolved once.
type program struct {
	root *list
}

// function is a template function: its value, and the Go function itself for call's fast paths.
type function struct {
	v   reflect.Value
	fn  any
	esc func(string, htmlType) (string, error) // An html/template escaper (escapers).
	// escTo is esc writing into the output (escapersTo), when it can; the last escaper of an
	// action uses it.
	escTo func(*bytes.Buffer, string, htmlType) error
	sig   signature // Of v's type.
}

// signature is what call asks of a function's type, worked out once (reflect's type methods
// were a twentieth of a render's instructions, asked at each call).
type signature struct {
	in []reflect.Type // The parameters' types.
	ok bool           // shapeOK.
}

func signatureOf(t reflect.Type) signature {
	sig := signature{ok: shapeOK(t)}
	for i := range t.NumIn() {
		sig.in = append(sig.in, t.In(i))
	}
	return sig
}

// shapeOK tells a function type call takes: not variadic, and one result or a result and an error.
func shapeOK(t reflect.Type) bool {
	return !t.IsVariadic() && t.NumOut() > 0 && t.NumOut() <= 2 && (t.NumOut() == 1 || t.Out(1) == errorType)
}

// htmlType is the content type html/template's escapers tell apart; only HTML is trusted here.
type htmlType int

const (
	plain htmlType = iota
	trustedHTML
)

var (
	errorType       = reflect.TypeFor[error]()
	stringerType    = reflect.TypeFor[fmt.Stringer]()
	reflectValueTyp = reflect.TypeFor[reflect.Value]()
	viewType        = reflect.TypeFor[View]()
	htmlValueType   = reflect.TypeFor[htmltemplate.HTML]()
)

// state is one execution, as text/template's: the output, the variables in scope (a stack
// shared with the {{template}} calls, each of which sees its own from base), the depth of
// {{template}} calls, and strings the functions returned (strs, so that a string is given to
// the next command without being boxed on the heap).
type state struct {
	w     *bytes.Buffer
	vars  []variable
	base  int
	depth int
	strs  []string
	lists [][]string // As strs, for the lists of strings functions return (lines, commands).
}

type variable struct {
	name  string
	value reflect.Value
}

// maxDepth bounds {{template}} recursion, as text/template does (it says 100,000; a mail needs a
// handful): past it, text/template renders the mail and reports the error itself.
const maxDepth = 1000

var (
	errBreak    = errors.New("break")
	errContinue = errors.New("continue")
)

// scratch is an execution's variable stack and string slots, kept from mail to mail.
type scratch struct {
	vars  []variable
	strs  []string
	lists [][]string
}

// strSlots is how many strings returned by functions an execution keeps unboxed; past it they
// are boxed as reflect.ValueOf boxes them. An assignment notice's HTML returns some twenty.
const strSlots = 64

// listSlots is how many lists of strings an execution keeps unboxed (strs); an assignment
// notice's HTML has a few.
const listSlots = 16

var scratches = sync.Pool{New: func() any {
	return &scratch{vars: make([]variable, 0, 16), strs: make([]string, 0, strSlots), lists: make([][]string, 0, listSlots)}
}}

// execute writes the template for v into w; on any error w holds partial output.
func (p *program) execute(w *bytes.Buffer, v *View) (err error) {
	sc := scratches.Get().(*scratch)
	s := state{w: w, vars: sc.vars[:0], strs: sc.strs[:0], lists: sc.lists[:0]}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errFallback, r)
		}
		clear(s.vars[:cap(s.vars)])
		clear(s.strs[:cap(s.strs)])
		clear(s.lists[:cap(s.lists)])
		sc.vars, sc.strs, sc.lists = s.vars[:0], s.strs[:0], s.lists[:0]
		scratches.Put(sc)
	}()
	dot := reflect.ValueOf(v)
	s.vars = append(s.vars, variable{"$", dot})
	if err := s.walk(dot, p.root); err != nil && err != errBreak && err != errContinue {
		return err
	}
	return nil
}

func (s *state) setVar(name string, v reflect.Value) error {
	for i := len(s.vars) - 1; i >= s.base; i-- {
		if s.vars[i].name == name {
			s.vars[i].value = v
			return nil
		}
	}
	return errFallback
}

func (s *state) varValue(name string) (reflect.Value, error) {
	for i := len(s.vars) - 1; i >= s.base; i-- {
		if s.vars[i].name == name {
			return s.vars[i].value, nil
		}
	}
	return reflect.Value{}, errFallback
}

// str is x as a value, in one of the execution's string slots when one is free.
func (s *state) str(x string) reflect.Value {
	if len(s.strs) == cap(s.strs) {
		return reflect.ValueOf(x)
	}
	s.strs = append(s.strs, x)
	return reflect.ValueOf(&s.strs[len(s.strs)-1]).Elem()
}

// list is x as a value, in one of the execution's list slots when one is free (as str).
func (s *state) list(x []string) reflect.Value {
	if len(s.lists) == cap(s.lists) {
		return reflect.ValueOf(x)
	}
	s.lists = append(s.lists, x)
	return reflect.ValueOf(&s.lists[len(s.lists)-1]).Elem()
}

func (s *state) walk(dot reflect.Value, l *list) error {
	if l == nil {
		return nil
	}
	for _, n := range l.nodes {
		var err error
		switch n := n.(type) {
		case *textNode:
			s.w.Write(n.text)
		case *actionNode:
			err = s.action(dot, n)
		case *branchNode:
			err = s.ifOrWith(dot, n)
		case *rangeNode:
			err = s.rangeNode(dot, n)
		case *templateNode:
			err = s.template(dot, n)
		case *breakNode:
			err = errBreak
		case *continueNode:
			err = errContinue
		default:
			err = errFallback
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// action writes an action's value: printed, or when html/template ended it with escapers (escs),
// through them one after the other as strings (the pipeline gives each escaper the last one's
// string) rather than as values.
func (s *state) action(dot reflect.Value, a *actionNode) error {
	v, err := s.pipeline(dot, a.pipe)
	if err != nil {
		return err
	}
	if len(a.escs) == 0 {
		if len(a.pipe.decl) == 0 {
			return s.print(v)
		}
		return nil
	}
	str, typ, err := stringify(v)
	if err != nil {
		return err
	}
	last := len(a.escs) - 1
	for i, e := range a.escs {
		if i == last && e.escTo != nil {
			return e.escTo(s.w, str, typ)
		}
		if str, err = e.esc(str, typ); err != nil {
			return err
		}
		typ = plain
	}
	s.w.WriteString(str)
	return nil
}

// ifOrWith runs an {{if}} or a {{with}}; the variables its pipeline declares go out of scope
// after it (without a defer: a panic ends the execution).
func (s *state) ifOrWith(dot reflect.Value, b *branchNode) error {
	mark := len(s.vars)
	err := s.branch(dot, b)
	s.vars = s.vars[:mark]
	return err
}

func (s *state) branch(dot reflect.Value, b *branchNode) error {
	v, err := s.pipeline(dot, b.pipe)
	if err != nil {
		return err
	}
	t, ok := truth(indirectInterface(v))
	if !ok {
		return errFallback
	}
	if t {
		if b.with {
			return s.walk(v, b.list)
		}
		return s.walk(dot, b.list)
	}
	return s.walk(dot, b.elseList)
}

// rangeNode runs a {{range}}; its variables go out of scope after it (as ifOrWith's).
func (s *state) rangeNode(dot reflect.Value, r *rangeNode) error {
	outer := len(s.vars)
	err := s.ranges(dot, r)
	s.vars = s.vars[:outer]
	return err
}

func (s *state) ranges(dot reflect.Value, r *rangeNode) error {
	v, err := s.pipeline(dot, r.pipe)
	if err != nil {
		return err
	}
	v, _ = indirect(v)
	mark := len(s.vars)
	var decl []string
	assign := false
	if r.pipe != nil {
		decl, assign = r.pipe.decl, r.pipe.isAssign
	}
	one := func(index, elem reflect.Value) error {
		if len(decl) > 0 {
			if assign {
				target := elem
				if len(decl) > 1 {
					target = index
				}
				if err := s.setVar(decl[0], target); err != nil {
					return err
				}
			} else {
				s.vars[len(s.vars)-1].value = elem
			}
		}
		if len(decl) > 1 {
			if assign {
				if err := s.setVar(decl[1], elem); err != nil {
					return err
				}
			} else {
				s.vars[len(s.vars)-2].value = index
			}
		}
		err := s.walk(elem, r.list)
		s.vars = s.vars[:mark]
		return err
	}
	n := 0
	switch v.Kind() {
	case reflect.Array, reflect.Slice:
		n = v.Len()
		for i := range n {
			if err := one(reflect.ValueOf(i), v.Index(i)); err == errBreak {
				break
			} else if err != nil && err != errContinue {
				return err
			}
		}
	case reflect.Map:
		n = v.Len()
		keys := v.MapKeys()
		switch v.Type().Key().Kind() {
		case reflect.String:
			slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		default:
			return errFallback // text/template orders other keys by rules of its own.
		}
		for _, k := range keys {
			if err := one(k, v.MapIndex(k)); err == errBreak {
				break
			} else if err != nil && err != errContinue {
				return err
			}
		}
	case reflect.Invalid:
	default:
		return errFallback
	}
	if n == 0 {
		return s.walk(dot, r.elseList)
	}
	return nil
}

// template runs a {{template}} call on the same stack: the called template sees its own "$"
// and the variables it declares, none of the caller's.
func (s *state) template(dot reflect.Value, t *templateNode) error {
	if s.depth >= maxDepth {
		return errFallback
	}
	v, err := s.pipeline(dot, t.pipe)
	if err != nil {
		return err
	}
	mark, base := len(s.vars), s.base
	s.vars = append(s.vars, variable{"$", v})
	s.base = mark
	s.depth++
	err = s.walk(v, t.body)
	s.vars, s.base = s.vars[:mark], base
	s.depth--
	if err != nil && err != errBreak && err != errContinue {
		return err
	}
	return nil
}

func (s *state) pipeline(dot reflect.Value, pipe *pipeline) (reflect.Value, error) {
	var v reflect.Value
	if pipe == nil {
		return v, nil
	}
	if pipe.field { // A field alone, as command reads it.
		c := pipe.cmds[0]
		v, err := s.fieldChain(dot, dot, c.args[0].fields, c.args, v)
		if err == nil && v.Kind() == reflect.Interface && v.Type().NumMethod() == 0 {
			v = reflect.ValueOf(v.Interface())
		}
		return v, err
	}
	for _, c := range pipe.cmds {
		var err error
		if v, err = s.command(dot, c, v); err != nil {
			return v, err
		}
		// As text/template: a value of type any stands for the value inside (none for nil).
		if v.Kind() == reflect.Interface && v.Type().NumMethod() == 0 {
			v = reflect.ValueOf(v.Interface())
		}
	}
	for _, d := range pipe.decl {
		if pipe.isAssign {
			if err := s.setVar(d, v); err != nil {
				return v, err
			}
		} else {
			s.vars = append(s.vars, variable{d, v})
		}
	}
	return v, nil
}

// command evaluates one command of a pipeline; final is the previous command's value (invalid for
// the first), which a function takes as its last argument.
func (s *state) command(dot reflect.Value, c *command, final reflect.Value) (reflect.Value, error) {
	op := c.args[0]
	switch op.kind {
	case opField:
		return s.fieldChain(dot, dot, op.fields, c.args, final)
	case opChain:
		if len(c.args) > 1 || final.IsValid() {
			return reflect.Value{}, errFallback
		}
		return s.chain(dot, op)
	case opFunc:
		return s.function(dot, op, c.args, final)
	case opVar:
		v, err := s.varValue(op.name)
		if err != nil || op.fields == nil {
			if len(c.args) > 1 || final.IsValid() {
				return reflect.Value{}, errFallback
			}
			return v, err
		}
		return s.fieldChain(dot, v, op.fields, c.args, final)
	}
	if len(c.args) > 1 || final.IsValid() {
		return reflect.Value{}, errFallback
	}
	return s.constant(dot, op)
}

// operand is a variable, a parenthesized pipeline, a chain or a field as an argument: command's
// cases for them, without a command around it.
func (s *state) operand(dot reflect.Value, op *operand) (reflect.Value, error) {
	switch op.kind {
	case opVar:
		v, err := s.varValue(op.name)
		if err != nil || op.fields == nil {
			return v, err
		}
		return s.fieldChain(dot, v, op.fields, nil, reflect.Value{})
	case opChain:
		return s.chain(dot, op)
	case opPipe:
		return s.pipeline(dot, op.pipe)
	case opField:
		return s.fieldChain(dot, dot, op.fields, nil, reflect.Value{})
	}
	return reflect.Value{}, errFallback
}

// constant is an argument as text/template gives it to a parameter of type any.
func (s *state) constant(dot reflect.Value, op *operand) (reflect.Value, error) {
	switch op.kind {
	case opDot:
		return dot, nil
	case opString, opBool, opNumber:
		if !op.value.IsValid() {
			return op.value, errFallback
		}
		return op.value, nil
	case opPipe:
		return s.pipeline(dot, op.pipe)
	}
	return reflect.Value{}, errFallback
}

func (s *state) chain(dot reflect.Value, op *operand) (reflect.Value, error) {
	v, err := s.operand(dot, op.inner)
	if err != nil {
		return v, err
	}
	return s.fieldChain(dot, v, op.fields, nil, reflect.Value{})
}

// fieldChain evaluates .A.B.C from receiver; the last name may be a method that takes args (args[0]
// is the field's own operand) and final.
func (s *state) fieldChain(dot, receiver reflect.Value, names *names, args []*operand, final reflect.Value) (reflect.Value, error) {
	if len(args) <= 1 && !final.IsValid() {
		if receiver.Kind() == reflect.Pointer && !receiver.IsNil() && receiver.CanInterface() {
			if p := names.fromPointer(receiver.Type()); p.direct {
				return p.at(receiver.UnsafePointer()), nil
			}
		}
		if r, isNil := indirect(receiver); !isNil && r.Kind() == reflect.Struct {
			addr := r.CanAddr()
			if p := names.from(r.Type(), addr); p.ok {
				if p.direct && addr && r.CanInterface() { // Not read through an unexported field.
					return p.at(unsafe.Pointer(r.UnsafeAddr())), nil
				}
				for _, i := range p.index {
					r = r.Field(i)
				}
				return r, nil
			}
		}
	}
	n := len(names.list)
	for i := range n - 1 {
		var err error
		if receiver, err = s.field(dot, names.list[i], nil, reflect.Value{}, receiver); err != nil {
			return receiver, err
		}
	}
	return s.field(dot, names.list[n-1], args, final, receiver)
}

func (s *state) field(dot reflect.Value, f *fieldName, args []*operand, final, receiver reflect.Value) (reflect.Value, error) {
	if !receiver.IsValid() {
		return receiver, errFallback
	}
	receiver, isNil := indirect(receiver)
	if isNil || receiver.Kind() == reflect.Interface {
		return receiver, errFallback
	}
	// Methods are looked for on a pointer to the receiver when it can be had (as text/template
	// does); Addr is only taken to call one.
	addr := receiver.Kind() != reflect.Pointer && receiver.CanAddr()
	ptr := func() reflect.Value {
		if addr {
			return receiver.Addr()
		}
		return receiver
	}
	hasArgs := len(args) > 1 || final.IsValid()
	switch receiver.Kind() {
	case reflect.Struct:
		m := f.on(receiver, addr)
		switch {
		case !m.ok:
			return receiver, errFallback
		case m.method >= 0:
			p := ptr()
			if f.name == "IsZero" && !hasArgs && sameType(receiver.Type(), timeType) && p.Kind() == reflect.Pointer {
				return reflect.ValueOf(p.Interface().(*time.Time).IsZero()), nil // {{if .Ticket.FirstResponseAt.IsZero}}
			}
			return s.call(dot, p.Method(m.method), nil, args, final, nil)
		case hasArgs:
			return receiver, errFallback
		case len(m.field) == 1:
			return receiver.Field(m.field[0]), nil
		}
		return receiver.FieldByIndexErr(m.field)
	case reflect.Map:
		if f.on(receiver, addr).ok || hasArgs || receiver.Type().Key().Kind() != reflect.String {
			return receiver, errFallback
		}
		v := receiver.MapIndex(reflect.ValueOf(f.name).Convert(receiver.Type().Key()))
		if !v.IsValid() {
			return v, errFallback // missingkey=error: text/template says which key.
		}
		return v, nil
	}
	if m := f.on(receiver, addr); m.ok && m.method >= 0 {
		return s.call(dot, ptr().Method(m.method), nil, args, final, nil)
	}
	return receiver, errFallback
}

func (s *state) function(dot reflect.Value, op *operand, args []*operand, final reflect.Value) (reflect.Value, error) {
	f := op.fn
	if f == nil {
		return s.builtin(dot, op.name, args[1:], final)
	}
	if f.esc != nil {
		if len(args) != 1 || !final.IsValid() {
			return reflect.Value{}, errFallback
		}
		in, typ, err := stringify(final)
		if err != nil {
			return reflect.Value{}, err
		}
		out, err := f.esc(in, typ)
		return reflect.ValueOf(out), err
	}
	return s.call(dot, f.v, &f.sig, args, final, f.fn)
}

// call calls fn with the evaluated args (args[0] is the function's own operand) and final,
// converted as text/template converts them; a function of a usual shape (direct, when not nil) is
// called directly.
func (s *state) call(dot, fn reflect.Value, sig *signature, args []*operand, final reflect.Value, direct any) (reflect.Value, error) {
	var typ reflect.Type
	nParams := 0
	if sig != nil {
		if !sig.ok {
			return reflect.Value{}, errFallback
		}
		nParams = len(sig.in)
	} else {
		typ = fn.Type()
		if !shapeOK(typ) {
			return reflect.Value{}, errFallback
		}
		nParams = typ.NumIn()
	}
	param := func(i int) reflect.Type {
		if sig != nil {
			return sig.in[i]
		}
		return typ.In(i)
	}
	if len(args) == 0 {
		args = []*operand{nil}
	}
	nIn := len(args) - 1
	if final.IsValid() {
		nIn++
	}
	if nIn != nParams {
		return reflect.Value{}, errFallback
	}
	var buf [4]reflect.Value
	argv := buf[:0]
	if nIn > len(buf) {
		argv = make([]reflect.Value, 0, nIn)
	}
	for i, a := range args[1:] {
		v, err := s.arg(dot, param(i), a)
		if err != nil {
			return v, err
		}
		argv = append(argv, v)
	}
	if final.IsValid() {
		v, err := assignable(final, param(nIn-1))
		if err != nil {
			return v, err
		}
		argv = append(argv, v)
	}
	if direct != nil {
		if v, ok, err := s.callDirect(direct, argv); ok {
			return v, err
		}
	}
	out := fn.Call(argv)
	if len(out) == 2 && !out[1].IsNil() {
		return out[0], errFallback
	}
	v := out[0]
	if sameType(v.Type(), reflectValueTyp) {
		return reflect.Value{}, errFallback
	}
	return v, nil
}

// arg evaluates an argument for a parameter of type typ, as text/template's evalArg does for the
// operands the evaluator takes (compile's operand).
func (s *state) arg(dot reflect.Value, typ reflect.Type, op *operand) (reflect.Value, error) {
	switch op.kind {
	case opDot:
		return assignable(dot, typ)
	case opField:
		v, err := s.fieldChain(dot, dot, op.fields, nil, reflect.Value{})
		if err != nil {
			return v, err
		}
		return assignable(v, typ)
	case opVar, opPipe, opChain:
		v, err := s.operand(dot, op)
		if err != nil {
			return v, err
		}
		return assignable(v, typ)
	case opFunc:
		v, err := s.function(dot, op, []*operand{op}, reflect.Value{})
		if err != nil {
			return v, err
		}
		return assignable(v, typ)
	case opString:
		if sameType(typ, stringType) || typ.Kind() == reflect.Interface && typ.NumMethod() == 0 {
			return op.value, nil
		}
		if typ.Kind() == reflect.String {
			v := reflect.New(typ).Elem()
			v.SetString(op.text)
			return v, nil
		}
	case opBool:
		if typ.Kind() == reflect.Bool {
			v := reflect.New(typ).Elem()
			v.SetBool(op.value.Bool())
			return v, nil
		}
	case opNumber:
		if sameType(typ, intType) && op.value.IsValid() {
			return op.value, nil
		}
		if typ.Kind() == reflect.Int {
			v := reflect.New(typ).Elem()
			v.SetInt(op.num)
			if v.Int() == op.num {
				return v, nil
			}
		}
	}
	return reflect.Value{}, errFallback
}

// callDirect calls the template functions of the shapes funcs has without reflection; ok is false
// for any other shape. The strings they return are kept in the execution's slots (str).
func (s *state) callDirect(fn any, argv []reflect.Value) (v reflect.Value, ok bool, err error) {
	str := func(i int) string { return argv[i].String() }
	switch f := fn.(type) {
	case func(string) string:
		if argv[0].Kind() == reflect.String {
			return s.str(f(str(0))), true, nil
		}
	case func(string, string) string:
		if argv[0].Kind() == reflect.String && argv[1].Kind() == reflect.String {
			return s.str(f(str(0), str(1))), true, nil
		}
	case func(string) (string, error):
		if argv[0].Kind() == reflect.String {
			r, err := f(str(0))
			if err != nil {
				return v, true, errFallback
			}
			return s.str(r), true, nil
		}
	case func(string) (htmltemplate.HTML, error):
		if argv[0].Kind() == reflect.String {
			r, err := f(str(0))
			if err != nil {
				return v, true, errFallback
			}
			return reflect.ValueOf(r), true, nil
		}
	case func(time.Time) (string, error):
		if sameType(argv[0].Type(), timeType) {
			var t time.Time
			if argv[0].CanAddr() {
				t = *argv[0].Addr().Interface().(*time.Time)
			} else {
				t = argv[0].Interface().(time.Time)
			}
			r, err := f(t)
			if err != nil {
				return v, true, errFallback
			}
			return s.str(r), true, nil
		}
	case func() []string:
		return s.list(f()), true, nil
	case func(string) []string:
		if argv[0].Kind() == reflect.String {
			return s.list(f(str(0))), true, nil
		}
	case func([]string, string) string:
		if sameType(argv[0].Type(), stringsType) && argv[1].Kind() == reflect.String {
			return s.str(f(argv[0].Interface().([]string), str(1))), true, nil
		}
	case func(int64) string:
		if argv[0].Kind() == reflect.Int64 {
			return s.str(f(argv[0].Int())), true, nil
		}
	case func(int, int) int:
		if argv[0].Kind() == reflect.Int && argv[1].Kind() == reflect.Int {
			return reflect.ValueOf(f(int(argv[0].Int()), int(argv[1].Int()))), true, nil
		}
	case func(int, string, string) string:
		if argv[0].Kind() == reflect.Int && argv[1].Kind() == reflect.String && argv[2].Kind() == reflect.String {
			return s.str(f(int(argv[0].Int()), str(1), str(2))), true, nil
		}
	}
	return v, false, nil
}

// sameType is a == b for two reflect.Types, told by reflect's type pointers: without the call
// comparing two interfaces takes (runtime.ifaceeq), in the evaluator's paths of every value.
func sameType(a, b reflect.Type) bool { return typeData(a) == typeData(b) }

var (
	stringType  = reflect.TypeFor[string]()
	stringsType = reflect.TypeFor[[]string]()
	intType     = reflect.TypeFor[int]()
	int64Type   = reflect.TypeFor[int64]()
)

// builtin runs the text/template builtins and, or, not, eq, ne, lt, le, gt, ge and len.
func (s *state) builtin(dot reflect.Value, name string, args []*operand, final reflect.Value) (reflect.Value, error) {
	var buf [4]reflect.Value
	vals := func() ([]reflect.Value, error) {
		out := buf[:0]
		for _, a := range args {
			v, err := s.anyArg(dot, a)
			if err != nil {
				return nil, err
			}
			if !v.IsValid() {
				return nil, errFallback
			}
			out = append(out, v)
		}
		if final.IsValid() {
			out = append(out, final)
		}
		return out, nil
	}
	switch name {
	case "and", "or":
		or := name == "or"
		if len(args) == 0 && !final.IsValid() {
			return reflect.Value{}, errFallback
		}
		var v reflect.Value
		for _, a := range args {
			var err error
			if v, err = s.anyArg(dot, a); err != nil {
				return v, err
			}
			if !v.IsValid() {
				return v, errFallback
			}
			if t, _ := truth(indirectInterface(v)); t == or {
				return v, nil
			}
		}
		if final.IsValid() {
			v = final
		}
		return v, nil
	case "not":
		vs, err := vals()
		if err != nil || len(vs) != 1 {
			return reflect.Value{}, errFallback
		}
		t, _ := truth(indirectInterface(vs[0]))
		return reflect.ValueOf(!t), nil
	case "eq", "ne":
		vs, err := vals()
		if err != nil || len(vs) < 2 || (name == "ne" && len(vs) != 2) {
			return reflect.Value{}, errFallback
		}
		eq := false
		for _, b := range vs[1:] {
			e, err := equal(vs[0], b)
			if err != nil {
				return reflect.Value{}, err
			}
			if e {
				eq = true
				break
			}
		}
		return reflect.ValueOf(eq == (name == "eq")), nil
	case "lt", "le", "gt", "ge":
		vs, err := vals()
		if err != nil || len(vs) != 2 {
			return reflect.Value{}, errFallback
		}
		c, err := compare(vs[0], vs[1])
		if err != nil {
			return reflect.Value{}, err
		}
		switch name {
		case "lt":
			return reflect.ValueOf(c < 0), nil
		case "le":
			return reflect.ValueOf(c <= 0), nil
		case "gt":
			return reflect.ValueOf(c > 0), nil
		}
		return reflect.ValueOf(c >= 0), nil
	case "len":
		vs, err := vals()
		if err != nil || len(vs) != 1 {
			return reflect.Value{}, errFallback
		}
		v, isNil := indirect(vs[0])
		if isNil {
			return v, errFallback
		}
		switch v.Kind() {
		case reflect.Array, reflect.Chan, reflect.Map, reflect.Slice, reflect.String:
			return reflect.ValueOf(v.Len()), nil
		}
	}
	return reflect.Value{}, errFallback
}

// anyArg evaluates an argument for a parameter of type any (the builtins').
func (s *state) anyArg(dot reflect.Value, op *operand) (reflect.Value, error) {
	switch op.kind {
	case opField, opVar, opChain:
		return s.operand(dot, op)
	case opFunc:
		return s.function(dot, op, []*operand{op}, reflect.Value{})
	}
	return s.constant(dot, op)
}

// assignable is v as a value of typ, as text/template's validateType takes it when no
// conversion is needed; anything else is for text/template.
func assignable(v reflect.Value, typ reflect.Type) (reflect.Value, error) {
	if !v.IsValid() {
		return v, errFallback
	}
	if t := v.Type(); typeData(t) == typeData(typ) || t.AssignableTo(typ) { // The same type, the most, without AssignableTo's call.
		return v, nil
	}
	if v.Kind() == reflect.Interface && !v.IsNil() && v.Elem().Type().AssignableTo(typ) {
		return v.Elem(), nil
	}
	return v, errFallback
}

// equal compares two values of the kinds the templates compare (strings, integers, booleans) as
// eq does; any other pair is for text/template.
func equal(a, b reflect.Value) (bool, error) {
	a, b = indirectInterface(a), indirectInterface(b)
	if !a.IsValid() || !b.IsValid() {
		return false, errFallback
	}
	switch {
	case a.Kind() == reflect.String && b.Kind() == reflect.String:
		return a.String() == b.String(), nil
	case a.Kind() == reflect.Bool && b.Kind() == reflect.Bool:
		return a.Bool() == b.Bool(), nil
	case a.CanInt() && b.CanInt():
		return a.Int() == b.Int(), nil
	}
	return false, errFallback
}

// compare orders two strings or two integers as lt and its kin do; any other pair is for
// text/template.
func compare(a, b reflect.Value) (int, error) {
	a, b = indirectInterface(a), indirectInterface(b)
	switch {
	case !a.IsValid() || !b.IsValid():
	case a.Kind() == reflect.String && b.Kind() == reflect.String:
		return strings.Compare(a.String(), b.String()), nil
	case a.CanInt() && b.CanInt():
		x, y := a.Int(), b.Int()
		switch {
		case x < y:
			return -1, nil
		case x > y:
			return 1, nil
		}
		return 0, nil
	}
	return 0, errFallback
}

// truth is text/template's truth of a value: not empty, not zero, not nil.
func truth(v reflect.Value) (t, ok bool) {
	if !v.IsValid() {
		return false, true
	}
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() > 0, true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Complex64, reflect.Complex128:
		return v.Complex() != 0, true
	case reflect.Chan, reflect.Func, reflect.Pointer, reflect.UnsafePointer, reflect.Interface:
		return !v.IsNil(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() != 0, true
	case reflect.Float32, reflect.Float64:
		return v.Float() != 0, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() != 0, true
	case reflect.Struct:
		return true, true
	}
	return false, false
}

// indirect follows pointers and interfaces to the value; isNil when it meets a nil one.
func indirect(v reflect.Value) (rv reflect.Value, isNil bool) {
	for ; v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface; v = v.Elem() {
		if v.IsNil() {
			return v, true
		}
	}
	return v, false
}

// indirectInterface is the value inside an interface, if v is one.
func indirectInterface(v reflect.Value) reflect.Value {
	if v.Kind() != reflect.Interface || v.IsNil() {
		return v
	}
	return v.Elem()
}

// print writes a value as text/template prints it: strings, integers and booleans directly, the
// values of other kinds through fmt, as text/template does.
func (s *state) print(v reflect.Value) error {
	if v.Kind() == reflect.Pointer {
		v, _ = indirect(v)
	}
	if !v.IsValid() {
		return errFallback // "<no value>": text/template writes it.
	}
	t := v.Type()
	switch v.Kind() { // The types of the switch below, without looking for their methods.
	case reflect.String:
		if sameType(t, stringType) {
			s.w.WriteString(v.String())
			return nil
		}
	case reflect.Int, reflect.Int64:
		if sameType(t, intType) || sameType(t, int64Type) {
			s.w.Write(strconv.AppendInt(s.w.AvailableBuffer(), v.Int(), 10))
			return nil
		}
	case reflect.Struct:
		if sameType(t, viewType) {
			return errFallback // text/template sees another type for the view.
		}
	}
	if t.NumMethod() == 0 && reflect.PointerTo(t).NumMethod() == 0 {
		switch v.Kind() {
		case reflect.String:
			s.w.WriteString(v.String())
			return nil
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			s.w.Write(strconv.AppendInt(s.w.AvailableBuffer(), v.Int(), 10))
			return nil
		case reflect.Bool:
			s.w.WriteString(strconv.FormatBool(v.Bool()))
			return nil
		case reflect.Chan, reflect.Func:
			return errFallback
		}
	}
	if !t.Implements(errorType) && !t.Implements(stringerType) {
		if v.CanAddr() && (reflect.PointerTo(t).Implements(errorType) || reflect.PointerTo(t).Implements(stringerType)) {
			v = v.Addr()
		} else if v.Kind() == reflect.Chan || v.Kind() == reflect.Func {
			return errFallback
		}
	}
	_, err := fmt.Fprint(s.w, v.Interface())
	return err
}

// stringify is the string an escaper is given and its content type, as html/template's
// escapers take one value: a string, HTML, or another value printed by fmt; any other content
// type (CSS, JS, URL …) is for html/template.
func stringify(v reflect.Value) (string, htmlType, error) {
	v, isNil := indirect(v)
	if isNil || !v.IsValid() {
		return "", plain, errFallback
	}
	switch t := v.Type(); {
	case v.Kind() == reflect.String && sameType(t, stringType):
		return v.String(), plain, nil
	case v.Kind() == reflect.String && sameType(t, htmlValueType):
		return v.String(), trustedHTML, nil
	case t.PkgPath() == "html/template":
		return "", plain, errFallback
	case t.NumMethod() == 0 && reflect.PointerTo(t).NumMethod() == 0:
		switch v.Kind() {
		case reflect.String:
			return v.String(), plain, nil
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return strconv.FormatInt(v.Int(), 10), plain, nil
		case reflect.Bool:
			return strconv.FormatBool(v.Bool()), plain, nil
		}
	}
	return "", plain, errFallback
}

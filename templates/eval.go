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
	"sync/atomic"
	tparse "text/template/parse"
	"time"
)

// An evaluator of deskd's own for the parsed templates. text/template walks the same trees, but
// looks every field up by name (reflect's FieldByName) and calls every function through
// reflect.Value.Call, each time: three quarters of a mail's rendering. This one walks the trees
// text/template parsed (and html/template escaped), with the same rules, but finds a field or a
// method once per type and name (fieldCache), calls the template functions of the usual shapes
// directly (call) and writes strings and integers without fmt. The files, the override folder and
// the language folders are read and parsed exactly as before; only the execution is ours.
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
// this evaluator, an assignment notice 116–149 µs and 458 against 50–52 µs and 110
// (bench/README.md, "Sending, third pass").

// errFallback makes Render render the mail with text/template instead.
var errFallback = errors.New("templates: not for the evaluator")

// program is one template ready for the evaluator: its tree and the namespace its {{template}}
// actions call into, with its functions resolved.
type program struct {
	root  *tparse.Tree
	trees map[string]*tparse.Tree
	funcs map[string]*function
}

// function is a template function: its value, and the Go function itself for call's fast paths.
type function struct {
	v   reflect.Value
	fn  any
	esc func(string, htmlType) (string, error) // An html/template escaper (escapers).
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
)

// builtins are the text/template builtins the evaluator runs itself; a template that uses
// another one (print, index, printf …) is left to text/template.
var builtins = map[string]bool{"and": true, "or": true, "not": true, "eq": true, "ne": true, "len": true,
	"lt": true, "le": true, "gt": true, "ge": true}

// compile prepares a template of a namespace for the evaluator; errFallback when it uses something
// the evaluator does not do. trees is the namespace (name → tree), funcs the template functions.
func compile(name string, trees map[string]*tparse.Tree, funcs map[string]any) (*program, error) {
	p := &program{root: trees[name], trees: trees, funcs: map[string]*function{}}
	if p.root == nil {
		return nil, errFallback
	}
	for n, f := range funcs {
		p.funcs[n] = &function{v: reflect.ValueOf(f), fn: f}
	}
	for n, e := range escapers {
		if _, ok := p.funcs[n]; !ok {
			p.funcs[n] = &function{esc: e}
		}
	}
	seen := map[string]bool{}
	var check func(t *tparse.Tree) error
	check = func(t *tparse.Tree) error {
		if t == nil || seen[t.Name] {
			return nil
		}
		seen[t.Name] = true
		var calls []string
		if err := p.checkNode(t.Root, &calls); err != nil {
			return err
		}
		for _, c := range calls {
			called := trees[c]
			if called == nil {
				return fmt.Errorf("%w: no template %q", errFallback, c)
			}
			if err := check(called); err != nil {
				return err
			}
		}
		return nil
	}
	if err := check(p.root); err != nil {
		return nil, err
	}
	return p, nil
}

// checkNode refuses what the evaluator does not run, and lists the templates a tree calls.
func (p *program) checkNode(n tparse.Node, calls *[]string) error {
	switch n := n.(type) {
	case nil:
		return nil
	case *tparse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := p.checkNode(c, calls); err != nil {
				return err
			}
		}
		return nil
	case *tparse.TextNode, *tparse.CommentNode, *tparse.BreakNode, *tparse.ContinueNode:
		return nil
	case *tparse.ActionNode:
		return p.checkPipe(n.Pipe)
	case *tparse.IfNode:
		return p.checkBranch(&n.BranchNode, calls)
	case *tparse.WithNode:
		return p.checkBranch(&n.BranchNode, calls)
	case *tparse.RangeNode:
		return p.checkBranch(&n.BranchNode, calls)
	case *tparse.TemplateNode:
		*calls = append(*calls, n.Name)
		return p.checkPipe(n.Pipe)
	}
	return fmt.Errorf("%w: node %s", errFallback, n)
}

func (p *program) checkBranch(b *tparse.BranchNode, calls *[]string) error {
	if err := p.checkPipe(b.Pipe); err != nil {
		return err
	}
	if err := p.checkNode(b.List, calls); err != nil {
		return err
	}
	return p.checkNode(b.ElseList, calls)
}

func (p *program) checkPipe(pipe *tparse.PipeNode) error {
	if pipe == nil {
		return nil
	}
	for _, c := range pipe.Cmds {
		for _, a := range c.Args {
			if err := p.checkArg(a); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *program) checkArg(n tparse.Node) error {
	switch n := n.(type) {
	case *tparse.IdentifierNode:
		if p.funcs[n.Ident] == nil && !builtins[n.Ident] {
			return fmt.Errorf("%w: function %s", errFallback, n.Ident)
		}
	case *tparse.PipeNode:
		return p.checkPipe(n)
	case *tparse.ChainNode:
		return p.checkArg(n.Node)
	case *tparse.FieldNode, *tparse.VariableNode, *tparse.DotNode, *tparse.StringNode, *tparse.BoolNode:
	case *tparse.NumberNode:
		if n.IsComplex || !n.IsInt || strings.ContainsAny(n.Text, ".eEpP'") {
			return fmt.Errorf("%w: number %s", errFallback, n.Text)
		}
	default:
		return fmt.Errorf("%w: argument %s", errFallback, n)
	}
	return nil
}

// state is one execution, as text/template's: the output, the variables in scope, the depth of
// {{template}} calls.
type state struct {
	p     *program
	w     *bytes.Buffer
	vars  []variable
	depth int
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

// execute writes the template for v into w; on any error w holds partial output.
func (p *program) execute(w *bytes.Buffer, v *View) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errFallback, r)
		}
	}()
	dot := reflect.ValueOf(v)
	s := &state{p: p, w: w, vars: make([]variable, 1, 8)}
	s.vars[0] = variable{"$", dot}
	if err := s.walk(dot, p.root.Root); err != nil && err != errBreak && err != errContinue {
		return err
	}
	return nil
}

func (s *state) mark() int { return len(s.vars) }
func (s *state) pop(m int) { s.vars = s.vars[:m] }

func (s *state) setVar(name string, v reflect.Value) error {
	for i := len(s.vars) - 1; i >= 0; i-- {
		if s.vars[i].name == name {
			s.vars[i].value = v
			return nil
		}
	}
	return errFallback
}

func (s *state) varValue(name string) (reflect.Value, error) {
	for i := len(s.vars) - 1; i >= 0; i-- {
		if s.vars[i].name == name {
			return s.vars[i].value, nil
		}
	}
	return reflect.Value{}, errFallback
}

func (s *state) walk(dot reflect.Value, n tparse.Node) error {
	switch n := n.(type) {
	case *tparse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := s.walk(dot, c); err != nil {
				return err
			}
		}
		return nil
	case *tparse.TextNode:
		s.w.Write(n.Text)
		return nil
	case *tparse.ActionNode:
		if k := s.escapes(n.Pipe); k > 0 {
			return s.escaped(dot, n.Pipe.Cmds, k)
		}
		v, err := s.pipeline(dot, n.Pipe)
		if err != nil {
			return err
		}
		if len(n.Pipe.Decl) == 0 {
			return s.print(v)
		}
		return nil
	case *tparse.CommentNode:
		return nil
	case *tparse.IfNode:
		return s.ifOrWith(false, dot, &n.BranchNode)
	case *tparse.WithNode:
		return s.ifOrWith(true, dot, &n.BranchNode)
	case *tparse.RangeNode:
		return s.rangeNode(dot, n)
	case *tparse.TemplateNode:
		return s.template(dot, n)
	case *tparse.BreakNode:
		return errBreak
	case *tparse.ContinueNode:
		return errContinue
	}
	return errFallback
}

// escapes is how many escapers end an action's pipeline that declares nothing (html/template
// puts one to three there), provided something comes before them.
func (s *state) escapes(pipe *tparse.PipeNode) int {
	if len(pipe.Decl) > 0 {
		return 0
	}
	k := 0
	for i := len(pipe.Cmds) - 1; i > 0; i-- {
		c := pipe.Cmds[i]
		if len(c.Args) != 1 {
			break
		}
		id, ok := c.Args[0].(*tparse.IdentifierNode)
		if !ok {
			break
		}
		if f := s.p.funcs[id.Ident]; f == nil || f.esc == nil {
			break
		}
		k++
	}
	return k
}

// escaped writes an action whose last k commands are escapers: the value of the others, through
// the escapers one after the other, as strings (the pipeline gives each escaper the last one's
// string) rather than as values.
func (s *state) escaped(dot reflect.Value, cmds []*tparse.CommandNode, k int) error {
	var v reflect.Value
	for _, c := range cmds[:len(cmds)-k] {
		var err error
		if v, err = s.command(dot, c, v); err != nil {
			return err
		}
		if v.Kind() == reflect.Interface && v.Type().NumMethod() == 0 {
			v = reflect.ValueOf(v.Interface())
		}
	}
	str, typ, err := stringify(v)
	if err != nil {
		return err
	}
	for _, c := range cmds[len(cmds)-k:] {
		if str, err = s.p.funcs[c.Args[0].(*tparse.IdentifierNode).Ident].esc(str, typ); err != nil {
			return err
		}
		typ = plain
	}
	s.w.WriteString(str)
	return nil
}

func (s *state) ifOrWith(with bool, dot reflect.Value, b *tparse.BranchNode) error {
	defer s.pop(s.mark())
	v, err := s.pipeline(dot, b.Pipe)
	if err != nil {
		return err
	}
	t, ok := truth(indirectInterface(v))
	if !ok {
		return errFallback
	}
	if t {
		if with {
			return s.walk(v, b.List)
		}
		return s.walk(dot, b.List)
	}
	if b.ElseList != nil {
		return s.walk(dot, b.ElseList)
	}
	return nil
}

func (s *state) rangeNode(dot reflect.Value, r *tparse.RangeNode) error {
	defer s.pop(s.mark())
	v, err := s.pipeline(dot, r.Pipe)
	if err != nil {
		return err
	}
	v, _ = indirect(v)
	mark := s.mark()
	decl := r.Pipe.Decl
	one := func(index, elem reflect.Value) error {
		if len(decl) > 0 {
			if r.Pipe.IsAssign {
				target := elem
				if len(decl) > 1 {
					target = index
				}
				if err := s.setVar(decl[0].Ident[0], target); err != nil {
					return err
				}
			} else {
				s.vars[len(s.vars)-1].value = elem
			}
		}
		if len(decl) > 1 {
			if r.Pipe.IsAssign {
				if err := s.setVar(decl[1].Ident[0], elem); err != nil {
					return err
				}
			} else {
				s.vars[len(s.vars)-2].value = index
			}
		}
		err := s.walk(elem, r.List)
		s.pop(mark)
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
	if n == 0 && r.ElseList != nil {
		return s.walk(dot, r.ElseList)
	}
	return nil
}

func (s *state) template(dot reflect.Value, t *tparse.TemplateNode) error {
	tree := s.p.trees[t.Name]
	if tree == nil || s.depth >= maxDepth {
		return errFallback
	}
	v, err := s.pipeline(dot, t.Pipe)
	if err != nil {
		return err
	}
	inner := state{p: s.p, w: s.w, vars: []variable{{"$", v}}, depth: s.depth + 1}
	if err := inner.walk(v, tree.Root); err != nil && err != errBreak && err != errContinue {
		return err
	}
	return nil
}

func (s *state) pipeline(dot reflect.Value, pipe *tparse.PipeNode) (reflect.Value, error) {
	var v reflect.Value
	if pipe == nil {
		return v, nil
	}
	for _, c := range pipe.Cmds {
		var err error
		if v, err = s.command(dot, c, v); err != nil {
			return v, err
		}
		// As text/template: a value of type any stands for the value inside (none for nil).
		if v.Kind() == reflect.Interface && v.Type().NumMethod() == 0 {
			v = reflect.ValueOf(v.Interface())
		}
	}
	for _, d := range pipe.Decl {
		if pipe.IsAssign {
			if err := s.setVar(d.Ident[0], v); err != nil {
				return v, err
			}
		} else {
			s.vars = append(s.vars, variable{d.Ident[0], v})
		}
	}
	return v, nil
}

// command evaluates one command of a pipeline; final is the previous command's value (invalid for
// the first), which a function takes as its last argument.
func (s *state) command(dot reflect.Value, c *tparse.CommandNode, final reflect.Value) (reflect.Value, error) {
	switch n := c.Args[0].(type) {
	case *tparse.FieldNode:
		return s.fieldChain(dot, dot, n.Ident, c.Args, final)
	case *tparse.ChainNode:
		if len(c.Args) > 1 || final.IsValid() {
			return reflect.Value{}, errFallback
		}
		return s.chain(dot, n)
	case *tparse.IdentifierNode:
		return s.function(dot, n.Ident, c.Args, final)
	case *tparse.VariableNode:
		v, err := s.varValue(n.Ident[0])
		if err != nil || len(n.Ident) == 1 {
			if len(c.Args) > 1 || final.IsValid() {
				return reflect.Value{}, errFallback
			}
			return v, err
		}
		return s.fieldChain(dot, v, n.Ident[1:], c.Args, final)
	}
	if len(c.Args) > 1 || final.IsValid() {
		return reflect.Value{}, errFallback
	}
	return s.constant(dot, c.Args[0])
}

// operand is a variable, a parenthesized pipeline or a chain as an argument: command's cases for
// them, without a command around it.
func (s *state) operand(dot reflect.Value, n tparse.Node) (reflect.Value, error) {
	switch n := n.(type) {
	case *tparse.VariableNode:
		v, err := s.varValue(n.Ident[0])
		if err != nil || len(n.Ident) == 1 {
			return v, err
		}
		return s.fieldChain(dot, v, n.Ident[1:], nil, reflect.Value{})
	case *tparse.ChainNode:
		return s.chain(dot, n)
	case *tparse.PipeNode:
		return s.pipeline(dot, n)
	case *tparse.FieldNode:
		return s.fieldChain(dot, dot, n.Ident, nil, reflect.Value{})
	}
	return reflect.Value{}, errFallback
}

// constant is an argument as text/template gives it to a parameter of type any.
func (s *state) constant(dot reflect.Value, n tparse.Node) (reflect.Value, error) {
	switch n := n.(type) {
	case *tparse.DotNode:
		return dot, nil
	case *tparse.StringNode:
		return reflect.ValueOf(n.Text), nil
	case *tparse.BoolNode:
		return reflect.ValueOf(n.True), nil
	case *tparse.NumberNode:
		if n.IsComplex || !n.IsInt || strings.ContainsAny(n.Text, ".eEpP'") || int64(int(n.Int64)) != n.Int64 {
			return reflect.Value{}, errFallback
		}
		return reflect.ValueOf(int(n.Int64)), nil
	case *tparse.PipeNode:
		return s.pipeline(dot, n)
	}
	return reflect.Value{}, errFallback
}

func (s *state) chain(dot reflect.Value, n *tparse.ChainNode) (reflect.Value, error) {
	var v reflect.Value
	var err error
	switch inner := n.Node.(type) {
	case *tparse.PipeNode:
		v, err = s.pipeline(dot, inner)
	case *tparse.FieldNode:
		v, err = s.fieldChain(dot, dot, inner.Ident, nil, reflect.Value{})
	case *tparse.VariableNode:
		v, err = s.varValue(inner.Ident[0])
		if err == nil && len(inner.Ident) > 1 {
			v, err = s.fieldChain(dot, v, inner.Ident[1:], nil, reflect.Value{})
		}
	default:
		return v, errFallback
	}
	if err != nil {
		return v, err
	}
	return s.fieldChain(dot, v, n.Field, nil, reflect.Value{})
}

// fieldChain evaluates .A.B.C from receiver; the last name may be a method that takes args (args[0]
// is the field node itself) and final.
func (s *state) fieldChain(dot, receiver reflect.Value, idents []string, args []tparse.Node, final reflect.Value) (reflect.Value, error) {
	n := len(idents)
	for i := range n - 1 {
		var err error
		if receiver, err = s.field(dot, idents[i], nil, reflect.Value{}, receiver); err != nil {
			return receiver, err
		}
	}
	return s.field(dot, idents[n-1], args, final, receiver)
}

// member is what a name reads on a type: a method (index ≥ 0) or a field's index path.
type member struct {
	method int
	field  []int
	ok     bool
}

type memberKey struct {
	t    reflect.Type
	name string
}

// members caches the lookups by type and name (text/template searches them on every use): a map
// replaced whole when it grows, read without a lock. A desk's templates read a few hundred.
var (
	members   atomic.Pointer[map[memberKey]member]
	membersMu sync.Mutex
)

func lookup(ptr reflect.Value, name string) member {
	k := memberKey{ptr.Type(), name}
	if ms := members.Load(); ms != nil {
		if m, ok := (*ms)[k]; ok {
			return m
		}
	}
	m := member{method: -1}
	if mt, ok := k.t.MethodByName(name); ok {
		m.method, m.ok = mt.Index, true
	} else {
		t := k.t
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() == reflect.Struct {
			if f, ok := t.FieldByName(name); ok && f.IsExported() {
				m.field, m.ok = f.Index, true
			}
		}
	}
	membersMu.Lock()
	defer membersMu.Unlock()
	next := map[memberKey]member{k: m}
	if ms := members.Load(); ms != nil {
		for k, v := range *ms {
			next[k] = v
		}
	}
	members.Store(&next)
	return m
}

func (s *state) field(dot reflect.Value, name string, args []tparse.Node, final, receiver reflect.Value) (reflect.Value, error) {
	if !receiver.IsValid() {
		return receiver, errFallback
	}
	receiver, isNil := indirect(receiver)
	if isNil || receiver.Kind() == reflect.Interface {
		return receiver, errFallback
	}
	ptr := receiver
	if ptr.Kind() != reflect.Pointer && ptr.CanAddr() {
		ptr = ptr.Addr()
	}
	hasArgs := len(args) > 1 || final.IsValid()
	switch receiver.Kind() {
	case reflect.Struct:
		m := lookup(ptr, name)
		switch {
		case !m.ok:
			return receiver, errFallback
		case m.method >= 0:
			if name == "IsZero" && !hasArgs && receiver.Type() == timeType && ptr.Kind() == reflect.Pointer {
				return reflect.ValueOf(ptr.Interface().(*time.Time).IsZero()), nil // {{if .Ticket.FirstResponseAt.IsZero}}
			}
			return s.call(dot, ptr.Method(m.method), args, final)
		case hasArgs:
			return receiver, errFallback
		}
		return receiver.FieldByIndexErr(m.field)
	case reflect.Map:
		if lookup(ptr, name).ok || hasArgs || receiver.Type().Key().Kind() != reflect.String {
			return receiver, errFallback
		}
		v := receiver.MapIndex(reflect.ValueOf(name).Convert(receiver.Type().Key()))
		if !v.IsValid() {
			return v, errFallback // missingkey=error: text/template says which key.
		}
		return v, nil
	}
	if m := lookup(ptr, name); m.ok && m.method >= 0 {
		return s.call(dot, ptr.Method(m.method), args, final)
	}
	return receiver, errFallback
}

func (s *state) function(dot reflect.Value, name string, args []tparse.Node, final reflect.Value) (reflect.Value, error) {
	f := s.p.funcs[name]
	if f == nil {
		return s.builtin(dot, name, args[1:], final)
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
	return s.call(dot, f.v, args, final, f.fn)
}

// call calls fn with the evaluated args (args[0] is the function's own node) and final, converted
// as text/template converts them; a function of a usual shape is called directly.
func (s *state) call(dot, fn reflect.Value, args []tparse.Node, final reflect.Value, direct ...any) (reflect.Value, error) {
	typ := fn.Type()
	if typ.IsVariadic() {
		return reflect.Value{}, errFallback
	}
	if len(args) == 0 {
		args = []tparse.Node{nil}
	}
	nIn := len(args) - 1
	if final.IsValid() {
		nIn++
	}
	if nIn != typ.NumIn() || typ.NumOut() == 0 || typ.NumOut() > 2 || (typ.NumOut() == 2 && typ.Out(1) != errorType) {
		return reflect.Value{}, errFallback
	}
	var buf [4]reflect.Value
	argv := buf[:0]
	if nIn > len(buf) {
		argv = make([]reflect.Value, 0, nIn)
	}
	for i, a := range args[1:] {
		v, err := s.arg(dot, typ.In(i), a)
		if err != nil {
			return v, err
		}
		argv = append(argv, v)
	}
	if final.IsValid() {
		v, err := assignable(final, typ.In(nIn-1))
		if err != nil {
			return v, err
		}
		argv = append(argv, v)
	}
	if len(direct) > 0 {
		if v, ok, err := callDirect(direct[0], argv); ok {
			return v, err
		}
	}
	out := fn.Call(argv)
	if len(out) == 2 && !out[1].IsNil() {
		return out[0], errFallback
	}
	v := out[0]
	if v.Type() == reflectValueTyp {
		return reflect.Value{}, errFallback
	}
	return v, nil
}

// callDirect calls the template functions of the shapes funcs has without reflection; ok is false
// for any other shape.
func callDirect(fn any, argv []reflect.Value) (v reflect.Value, ok bool, err error) {
	str := func(i int) string { return argv[i].String() }
	switch f := fn.(type) {
	case func(string) string:
		if argv[0].Type() == stringType {
			return reflect.ValueOf(f(str(0))), true, nil
		}
	case func(string, string) string:
		if argv[0].Type() == stringType && argv[1].Type() == stringType {
			return reflect.ValueOf(f(str(0), str(1))), true, nil
		}
	case func(string) (string, error):
		if argv[0].Type() == stringType {
			r, err := f(str(0))
			if err != nil {
				return v, true, errFallback
			}
			return reflect.ValueOf(r), true, nil
		}
	case func(string) (htmltemplate.HTML, error):
		if argv[0].Type() == stringType {
			r, err := f(str(0))
			if err != nil {
				return v, true, errFallback
			}
			return reflect.ValueOf(r), true, nil
		}
	case func(time.Time) (string, error):
		if argv[0].Type() == timeType {
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
			return reflect.ValueOf(r), true, nil
		}
	case func() []string:
		return reflect.ValueOf(f()), true, nil
	case func(string) []string:
		if argv[0].Type() == stringType {
			return reflect.ValueOf(f(str(0))), true, nil
		}
	case func([]string, string) string:
		if argv[0].Type() == stringsType && argv[1].Type() == stringType {
			return reflect.ValueOf(f(argv[0].Interface().([]string), str(1))), true, nil
		}
	case func(int64) string:
		if argv[0].Type() == int64Type {
			return reflect.ValueOf(f(argv[0].Int())), true, nil
		}
	case func(int, int) int:
		if argv[0].Type() == intType && argv[1].Type() == intType {
			return reflect.ValueOf(f(int(argv[0].Int()), int(argv[1].Int()))), true, nil
		}
	case func(int, string, string) string:
		if argv[0].Type() == intType && argv[1].Type() == stringType && argv[2].Type() == stringType {
			return reflect.ValueOf(f(int(argv[0].Int()), str(1), str(2))), true, nil
		}
	}
	return v, false, nil
}

var (
	stringType  = reflect.TypeFor[string]()
	stringsType = reflect.TypeFor[[]string]()
	intType     = reflect.TypeFor[int]()
	int64Type   = reflect.TypeFor[int64]()
)

// arg evaluates an argument for a parameter of type typ, as text/template's evalArg does for the
// nodes the evaluator takes (checkArg).
func (s *state) arg(dot reflect.Value, typ reflect.Type, n tparse.Node) (reflect.Value, error) {
	switch a := n.(type) {
	case *tparse.DotNode:
		return assignable(dot, typ)
	case *tparse.FieldNode:
		v, err := s.fieldChain(dot, dot, a.Ident, []tparse.Node{n}, reflect.Value{})
		if err != nil {
			return v, err
		}
		return assignable(v, typ)
	case *tparse.VariableNode, *tparse.PipeNode, *tparse.ChainNode:
		v, err := s.operand(dot, n)
		if err != nil {
			return v, err
		}
		return assignable(v, typ)
	case *tparse.IdentifierNode:
		v, err := s.function(dot, a.Ident, []tparse.Node{n}, reflect.Value{})
		if err != nil {
			return v, err
		}
		return assignable(v, typ)
	case *tparse.StringNode:
		if typ.Kind() == reflect.String {
			v := reflect.New(typ).Elem()
			v.SetString(a.Text)
			return v, nil
		}
		if typ.Kind() == reflect.Interface && typ.NumMethod() == 0 {
			return reflect.ValueOf(a.Text), nil
		}
	case *tparse.BoolNode:
		if typ.Kind() == reflect.Bool {
			v := reflect.New(typ).Elem()
			v.SetBool(a.True)
			return v, nil
		}
	case *tparse.NumberNode:
		if a.IsInt && !a.IsComplex && typ.Kind() == reflect.Int && !strings.ContainsAny(a.Text, ".eEpP'") {
			v := reflect.New(typ).Elem()
			v.SetInt(a.Int64)
			if v.Int() == a.Int64 {
				return v, nil
			}
		}
	}
	return reflect.Value{}, errFallback
}

// assignable is v as a value of typ, as text/template's validateType takes it when no
// conversion is needed; anything else is for text/template.
func assignable(v reflect.Value, typ reflect.Type) (reflect.Value, error) {
	if !v.IsValid() {
		return v, errFallback
	}
	if v.Type().AssignableTo(typ) {
		return v, nil
	}
	if v.Kind() == reflect.Interface && !v.IsNil() && v.Elem().Type().AssignableTo(typ) {
		return v.Elem(), nil
	}
	return v, errFallback
}

// builtin runs the text/template builtins and, or, not, eq, ne, lt, le, gt, ge and len.
func (s *state) builtin(dot reflect.Value, name string, args []tparse.Node, final reflect.Value) (reflect.Value, error) {
	vals := func() ([]reflect.Value, error) {
		out := make([]reflect.Value, 0, len(args)+1)
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
func (s *state) anyArg(dot reflect.Value, n tparse.Node) (reflect.Value, error) {
	switch n.(type) {
	case *tparse.FieldNode, *tparse.VariableNode, *tparse.ChainNode:
		return s.operand(dot, n)
	case *tparse.IdentifierNode:
		return s.function(dot, n.(*tparse.IdentifierNode).Ident, []tparse.Node{n}, reflect.Value{})
	}
	return s.constant(dot, n)
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
	if t == viewType {
		return errFallback // text/template sees another type for the view.
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
	case t == stringType:
		return v.String(), plain, nil
	case t == reflect.TypeFor[htmltemplate.HTML]():
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

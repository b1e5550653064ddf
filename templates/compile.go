package templates

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	tparse "text/template/parse"
	"unsafe"
)

// The evaluator (eval.go) does not walk text/template's parse trees: compile turns each tree, once
// at Load, into nodes of its own that hold what the parse nodes only name. A function or an
// escaper is its Go value, a {{template}} the compiled tree it calls, an action knows the
// escapers html/template ended it with, a constant is its reflect.Value, and a field name
// remembers its member on the type it last read. Rendering then looks nothing up by name but a
// variable. What compile does not know it refuses, and Load keeps text/template for the template.

// The compiled nodes; each is made of the parse node of the same name.
type (
	list struct{ nodes []any } // *textNode, *actionNode, *branchNode, *rangeNode, *templateNode, *breakNode, *continueNode.

	textNode   struct{ text []byte }
	actionNode struct {
		pipe *pipeline   // Without the escapers.
		escs []*function // The escapers html/template ended the pipeline with, in order.
	}
	branchNode struct { // {{if}} or {{with}}.
		with           bool
		pipe           *pipeline
		list, elseList *list // elseList is nil without {{else}}.
	}
	rangeNode struct {
		pipe           *pipeline
		list, elseList *list
	}
	templateNode struct {
		body *list
		pipe *pipeline // Nil without one.
	}
	breakNode    struct{}
	continueNode struct{}

	pipeline struct {
		decl     []string // The variables it declares or assigns, without their fields.
		isAssign bool
		field    bool // No decl, and one command of a field alone ({{.Ticket.Subject}}, {{if .Questions}}).
		cmds     []*command
	}
	command struct {
		args []*operand // args[0] is the operator: a function, a field, a method, or a value.
	}
)

// opKind is what an operand is.
type opKind uint8

const (
	opDot    opKind = iota
	opField         // .A.B, read from dot.
	opVar           // $x, or $x.A.B.
	opChain         // (pipeline).A.B, or a field or a variable followed by more names.
	opFunc          // A template function or a builtin.
	opPipe          // A parenthesized pipeline.
	opString        // The constants.
	opBool
	opNumber
)

// operand is an argument of a command (or its operator).
type operand struct {
	kind      opKind
	fields    *names    // opField, opVar, opChain: the names read one after the other (nil for none).
	name      string    // opVar: the variable; opFunc: the function.
	fn        *function // opFunc: nil for a builtin.
	pipe      *pipeline // opPipe.
	inner     *operand  // opChain: what the names are read on.
	*constant           // opString, opBool, opNumber; nil for the others.
}

// constant is an operand's constant, apart: an operand is then 64 bytes, not 112 (a Set's
// compiled templates have some 2,600).
type constant struct {
	value reflect.Value // The constant as a parameter of type any takes it (invalid for a number that does not fit an int).
	text  string        // opString.
	num   int64         // opNumber.
}

// fieldName is a name read on a value: a field, or a method. It remembers the member it found
// on the last type it was read on (a mail's templates read each name on one type), which
// lookup's map is the fallback for.
type fieldName struct {
	name string
	last atomic.Pointer[resolved]
}

type resolved struct {
	t    reflect.Type
	addr bool // Read on an addressable value: methods of its pointer too.
	m    member
}

// on is the member the name reads on receiver (on a pointer to it, when addr), as lookup finds it.
func (f *fieldName) on(receiver reflect.Value, addr bool) member {
	t := receiver.Type()
	if r := f.last.Load(); r != nil && r.t == t && r.addr == addr {
		return r.m
	}
	ptr := receiver
	if addr {
		ptr = ptr.Addr()
	}
	m := lookup(ptr, f.name)
	f.last.Store(&resolved{t, addr, m})
	return m
}

// builtins are the text/template builtins the evaluator runs itself; a template that uses
// another one (print, index, printf …) is left to text/template.
var builtins = map[string]bool{"and": true, "or": true, "not": true, "eq": true, "ne": true, "len": true,
	"lt": true, "le": true, "gt": true, "ge": true}

// compiler compiles a namespace's trees, each once (a {{template}} may call itself).
type compiler struct {
	trees  map[string]*tparse.Tree
	funcs  map[string]*function
	done   map[string]*list
	shared *sharedLists    // Nil for none.
	keys   map[string]*key // By template name, worked out once each (compiler.key).
	copies map[string]string
}

// str is s, copied once (copies): the parser's names and strings are slices of the file's text,
// which a compiled template would otherwise keep whole (102,000 bytes for deskd's).
func (c *compiler) str(s string) string {
	if out, ok := c.copies[s]; ok {
		return out
	}
	out := strings.Clone(s)
	c.copies[out] = out
	return out
}

// strs is ss, each copied once (str).
func (c *compiler) strs(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = c.str(s)
	}
	return out
}

// sharedLists are the trees compiled for namespaces of the same functions, by key (compiler.key):
// a namespace's template whose tree, and the trees it calls, are another's takes its list. The
// kinds of a language share common.txt's blocks and layout.html's (parsed once per kind), and a
// kind's subject and text their namespace: compiled each once, the evaluator's programs went
// from 1,222,000 to 738,000 bytes of the heap a Set keeps (BenchmarkLoad's retained-B 2,166,000 →
// 1,582,000 bytes).
type sharedLists struct {
	lists map[string]*list // By key.
	ids   map[string]int   // A number for each key, which the key of a template that calls it says.
}

func newSharedLists() *sharedLists {
	return &sharedLists{lists: map[string]*list{}, ids: map[string]int{}}
}

// key is a template's key (compiler.key) and its number in sharedLists; ok is false for one
// that is not shared: a template that calls itself (or a template that does), or has a node
// compile does not take.
type key struct {
	text    string
	id      int
	ok, got bool
}

// compile prepares a template of a namespace for the evaluator; errFallback when it uses something
// the evaluator does not do. trees is the namespace (name → tree), funcs the template functions.
func compile(name string, trees map[string]*tparse.Tree, funcs map[string]any) (*program, error) {
	return compileShared(name, trees, funcs, nil)
}

// compileShared is compile, the lists of shared (compiled with the same funcs) taken and added to.
func compileShared(name string, trees map[string]*tparse.Tree, funcs map[string]any, shared *sharedLists) (*program, error) {
	c := &compiler{trees: trees, funcs: map[string]*function{}, done: map[string]*list{}, shared: shared, keys: map[string]*key{},
		copies: map[string]string{}}
	for n, f := range funcs {
		v := reflect.ValueOf(f)
		c.funcs[n] = &function{v: v, fn: f, sig: signatureOf(v.Type())}
	}
	for n, e := range escapers {
		if _, ok := c.funcs[n]; !ok {
			c.funcs[n] = &function{esc: e, escTo: escapersTo[n]}
		}
	}
	root, err := c.tree(name)
	if err != nil {
		return nil, err
	}
	return &program{root: root}, nil
}

func (c *compiler) tree(name string) (*list, error) {
	if l := c.done[name]; l != nil {
		return l, nil
	}
	t := c.trees[name]
	if t == nil {
		return nil, fmt.Errorf("%w: no template %q", errFallback, name)
	}
	var k *key
	if c.shared != nil {
		if k = c.key(name); !k.ok {
			k = nil
		} else if l := c.shared.lists[k.text]; l != nil {
			c.done[name] = l
			return l, nil
		}
	}
	l := &list{}
	c.done[name] = l // Before its nodes: a call to itself finds it.
	compiled, err := c.list(t.Root)
	if err != nil {
		return nil, err
	}
	if compiled != nil {
		*l = *compiled
	}
	if k != nil {
		c.shared.lists[k.text] = l
	}
	return l, nil
}

// key is the template name's tree written out (digest), with in place of each {{template}} the
// number of the template it calls (its key's, in c.shared): two templates with the same key, in
// namespaces of the same functions, compile to the same list. (A SHA-256 of it took 3 % of
// Load's instructions.)
func (c *compiler) key(name string) *key {
	if k := c.keys[name]; k != nil {
		if !k.got {
			k.ok = false // Called from itself.
		}
		return k
	}
	k := &key{ok: true}
	c.keys[name] = k
	t := c.trees[name]
	d := digest{c: c, ok: t != nil}
	if t != nil {
		d.node(t.Root)
	}
	k.got = true
	if !d.ok || !k.ok {
		k.ok = false
		return k
	}
	k.text = string(d.b)
	if k.id = c.shared.ids[k.text]; k.id == 0 {
		k.id = len(c.shared.ids) + 1
		c.shared.ids[k.text] = k.id
	}
	return k
}

// digest writes a tree, every field compile reads of it, into b; ok turns false at a node
// compile does not take, or a call to a template that is not shared.
type digest struct {
	b  []byte
	c  *compiler
	ok bool
}

func (d *digest) str(s string) {
	d.b = append(binary.AppendUvarint(d.b, uint64(len(s))), s...)
}

func (d *digest) tag(t byte, n int) {
	d.b = binary.AppendUvarint(append(d.b, t), uint64(n))
}

func (d *digest) strs(t byte, ss []string) {
	d.tag(t, len(ss))
	for _, s := range ss {
		d.str(s)
	}
}

func (d *digest) node(n tparse.Node) {
	switch n := n.(type) {
	case *tparse.ListNode:
		if n == nil {
			d.tag('0', 0)
			return
		}
		d.tag('L', len(n.Nodes))
		for _, x := range n.Nodes {
			d.node(x)
		}
	case *tparse.TextNode:
		d.tag('T', len(n.Text))
		d.b = append(d.b, n.Text...)
	case *tparse.CommentNode:
		d.tag('C', 0)
	case *tparse.ActionNode:
		d.tag('A', 0)
		d.pipe(n.Pipe)
	case *tparse.IfNode:
		d.branch('I', &n.BranchNode)
	case *tparse.WithNode:
		d.branch('W', &n.BranchNode)
	case *tparse.RangeNode:
		d.branch('R', &n.BranchNode)
	case *tparse.TemplateNode:
		d.tag('P', 0)
		d.str(n.Name)
		if k := d.c.key(n.Name); k.ok {
			d.b = binary.AppendUvarint(d.b, uint64(k.id))
		} else {
			d.ok = false
		}
		d.pipe(n.Pipe)
	case *tparse.BreakNode:
		d.tag('B', 0)
	case *tparse.ContinueNode:
		d.tag('K', 0)
	default:
		d.ok = false
	}
}

func (d *digest) branch(t byte, b *tparse.BranchNode) {
	d.tag(t, 0)
	d.pipe(b.Pipe)
	d.node(b.List)
	d.node(b.ElseList)
}

func (d *digest) pipe(p *tparse.PipeNode) {
	if p == nil {
		d.tag('0', 0)
		return
	}
	d.tag('p', len(p.Decl))
	if p.IsAssign {
		d.tag('=', 0)
	}
	for _, v := range p.Decl {
		d.strs('v', v.Ident)
	}
	d.tag('c', len(p.Cmds))
	for _, cmd := range p.Cmds {
		d.tag('a', len(cmd.Args))
		for _, a := range cmd.Args {
			d.arg(a)
		}
	}
}

func (d *digest) arg(n tparse.Node) {
	switch n := n.(type) {
	case *tparse.DotNode:
		d.tag('.', 0)
	case *tparse.FieldNode:
		d.strs('f', n.Ident)
	case *tparse.VariableNode:
		d.strs('$', n.Ident)
	case *tparse.ChainNode:
		d.tag('h', 0)
		d.arg(n.Node)
		d.strs('f', n.Field)
	case *tparse.IdentifierNode:
		d.tag('i', 0)
		d.str(n.Ident)
	case *tparse.PipeNode:
		d.pipe(n)
	case *tparse.StringNode:
		d.tag('s', 0)
		d.str(n.Text)
	case *tparse.BoolNode:
		d.tag('b', 0)
		if n.True {
			d.tag('t', 0)
		}
	case *tparse.NumberNode:
		d.tag('n', 0)
		d.str(n.Text)
	default:
		d.ok = false
	}
}

func (c *compiler) list(l *tparse.ListNode) (*list, error) {
	if l == nil {
		return nil, nil
	}
	out := &list{nodes: make([]any, 0, len(l.Nodes))}
	for _, n := range l.Nodes {
		if _, ok := n.(*tparse.CommentNode); ok {
			continue
		}
		cn, err := c.node(n)
		if err != nil {
			return nil, err
		}
		// Adjacent text (words folded into text, comments left out) is written at once.
		if t, ok := cn.(*textNode); ok && len(out.nodes) > 0 {
			if prev, ok := out.nodes[len(out.nodes)-1].(*textNode); ok {
				prev.text = append(prev.text[:len(prev.text):len(prev.text)], t.text...)
				continue
			}
		}
		out.nodes = append(out.nodes, cn)
	}
	return out, nil
}

func (c *compiler) node(n tparse.Node) (any, error) {
	switch n := n.(type) {
	case *tparse.TextNode:
		return &textNode{text: n.Text}, nil
	case *tparse.ActionNode:
		return c.action(n)
	case *tparse.IfNode:
		return c.branch(false, &n.BranchNode)
	case *tparse.WithNode:
		return c.branch(true, &n.BranchNode)
	case *tparse.RangeNode:
		b, err := c.branch(false, &n.BranchNode)
		if err != nil {
			return nil, err
		}
		return &rangeNode{pipe: b.pipe, list: b.list, elseList: b.elseList}, nil
	case *tparse.TemplateNode:
		body, err := c.tree(n.Name)
		if err != nil {
			return nil, err
		}
		pipe, err := c.pipeline(n.Pipe, 0)
		if err != nil {
			return nil, err
		}
		return &templateNode{body: body, pipe: pipe}, nil
	case *tparse.BreakNode:
		return &breakNode{}, nil
	case *tparse.ContinueNode:
		return &continueNode{}, nil
	}
	return nil, fmt.Errorf("%w: node %s", errFallback, n)
}

// action compiles an action; the escapers that end a pipeline that declares nothing (html/template
// puts one to three there), provided something comes before them, are kept apart.
func (c *compiler) action(n *tparse.ActionNode) (*actionNode, error) {
	k := 0
	if len(n.Pipe.Decl) == 0 {
		for i := len(n.Pipe.Cmds) - 1; i > 0; i-- {
			cmd := n.Pipe.Cmds[i]
			if len(cmd.Args) != 1 {
				break
			}
			id, ok := cmd.Args[0].(*tparse.IdentifierNode)
			if !ok {
				break
			}
			if f := c.funcs[id.Ident]; f == nil || f.esc == nil {
				break
			}
			k++
		}
	}
	a := &actionNode{}
	var err error
	if a.pipe, err = c.pipeline(n.Pipe, k); err != nil {
		return nil, err
	}
	for _, cmd := range n.Pipe.Cmds[len(n.Pipe.Cmds)-k:] {
		a.escs = append(a.escs, c.funcs[cmd.Args[0].(*tparse.IdentifierNode).Ident])
	}
	return a, nil
}

func (c *compiler) branch(with bool, b *tparse.BranchNode) (*branchNode, error) {
	out := &branchNode{with: with}
	var err error
	if out.pipe, err = c.pipeline(b.Pipe, 0); err != nil {
		return nil, err
	}
	if out.list, err = c.list(b.List); err != nil {
		return nil, err
	}
	if out.elseList, err = c.list(b.ElseList); err != nil {
		return nil, err
	}
	return out, nil
}

// pipeline compiles a pipeline but its last drop commands.
func (c *compiler) pipeline(p *tparse.PipeNode, drop int) (*pipeline, error) {
	if p == nil {
		return nil, nil
	}
	out := &pipeline{isAssign: p.IsAssign}
	if len(p.Decl) > 0 {
		out.decl = make([]string, 0, len(p.Decl))
	}
	for _, d := range p.Decl {
		out.decl = append(out.decl, c.str(d.Ident[0]))
	}
	out.cmds = make([]*command, 0, len(p.Cmds)-drop) // Of the size they take: they are kept.
	for _, cmd := range p.Cmds[:len(p.Cmds)-drop] {
		cc := &command{args: make([]*operand, 0, len(cmd.Args))}
		for _, a := range cmd.Args {
			op, err := c.operand(a)
			if err != nil {
				return nil, err
			}
			cc.args = append(cc.args, op)
		}
		out.cmds = append(out.cmds, cc)
	}
	out.field = len(out.decl) == 0 && len(out.cmds) == 1 && len(out.cmds[0].args) == 1 && out.cmds[0].args[0].kind == opField
	return out, nil
}

func (c *compiler) operand(n tparse.Node) (*operand, error) {
	switch n := n.(type) {
	case *tparse.DotNode:
		return &operand{kind: opDot}, nil
	case *tparse.FieldNode:
		return &operand{kind: opField, fields: newNames(c.strs(n.Ident))}, nil
	case *tparse.VariableNode:
		return &operand{kind: opVar, name: c.str(n.Ident[0]), fields: newNames(c.strs(n.Ident[1:]))}, nil
	case *tparse.ChainNode:
		switch n.Node.(type) {
		case *tparse.PipeNode, *tparse.FieldNode, *tparse.VariableNode:
		default:
			return nil, fmt.Errorf("%w: chain %s", errFallback, n)
		}
		inner, err := c.operand(n.Node)
		if err != nil {
			return nil, err
		}
		return &operand{kind: opChain, inner: inner, fields: newNames(c.strs(n.Field))}, nil
	case *tparse.IdentifierNode:
		f := c.funcs[n.Ident]
		if f == nil && !builtins[n.Ident] {
			return nil, fmt.Errorf("%w: function %s", errFallback, n.Ident)
		}
		return &operand{kind: opFunc, name: c.str(n.Ident), fn: f}, nil
	case *tparse.PipeNode:
		p, err := c.pipeline(n, 0)
		if err != nil {
			return nil, err
		}
		return &operand{kind: opPipe, pipe: p}, nil
	case *tparse.StringNode:
		text := c.str(n.Text)
		return &operand{kind: opString, constant: &constant{text: text, value: reflect.ValueOf(text)}}, nil
	case *tparse.BoolNode:
		return &operand{kind: opBool, constant: &constant{value: reflect.ValueOf(n.True)}}, nil
	case *tparse.NumberNode:
		if n.IsComplex || !n.IsInt || strings.ContainsAny(n.Text, ".eEpP'") {
			return nil, fmt.Errorf("%w: number %s", errFallback, n.Text)
		}
		op := &operand{kind: opNumber, constant: &constant{num: n.Int64}}
		if int64(int(n.Int64)) == n.Int64 {
			op.value = reflect.ValueOf(int(n.Int64))
		}
		return op, nil
	}
	return nil, fmt.Errorf("%w: argument %s", errFallback, n)
}

// names are the names an operand reads one after the other (.A.B.C). When they are all fields of
// structs, each a struct but the last, path holds their index path from the type they were last
// read on: the evaluator reads them at once (fieldChain), without a look at each name.
type names struct {
	list    []*fieldName
	path    atomic.Pointer[fieldPath]
	ptrPath atomic.Pointer[fieldPath] // The path from a pointer to the struct (fromPointer).
}

// fieldPath is where names lead from a type: the fields' index path, or none (ok false) when a
// name is not a field of a struct.
type fieldPath struct {
	t     reflect.Type
	addr  bool
	index []int
	ok    bool
	// direct: every field of the path is exported, so that on an addressable struct the value
	// is the one at offset bytes from its address (at), not read field by field
	// (reflect.Value.Field, a third of a field chain's instructions).
	direct bool
	offset uintptr
	final  reflect.Type // The last field's type.
	// finalPtr is the type word of an interface holding a *final: at makes the pointer to the
	// field as such an interface, where reflect.NewAt looked the pointer type up at each read
	// (reflect's ptrTo, through the module's type offsets: 45 % of a read's instructions).
	finalPtr unsafe.Pointer
	// word is typeData(t), for a path from a pointer type (fromPointer).
	word unsafe.Pointer
}

// eface is the layout of an interface value of type any: its type word and its data word, the
// pointer itself for a pointer type.
type eface struct {
	typ, data unsafe.Pointer
}

// typeWord is the type word of x, an interface holding a value.
func typeWord(x any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&x)).typ }

// at is the value of the path's last field in the addressable struct at base: what
// reflect.NewAt(p.final, base+offset).Elem() gives (TestFieldPathAt).
func (p *fieldPath) at(base unsafe.Pointer) reflect.Value {
	var x any
	*(*eface)(unsafe.Pointer(&x)) = eface{p.finalPtr, unsafe.Add(base, p.offset)}
	return reflect.ValueOf(x).Elem()
}

// newNames are the names of idents; nil for none.
func newNames(idents []string) *names {
	if len(idents) == 0 {
		return nil
	}
	out := &names{list: make([]*fieldName, len(idents))}
	for i, id := range idents {
		out.list[i] = &fieldName{name: id}
	}
	return out
}

// from is where the names lead from a struct of type t (addressable: addr).
func (n *names) from(t reflect.Type, addr bool) *fieldPath {
	if p := n.path.Load(); p != nil && p.t == t && p.addr == addr {
		return p
	}
	p := &fieldPath{t: t, addr: addr, ok: true, direct: true}
	for i, f := range n.list {
		lt := t
		if addr {
			lt = reflect.PointerTo(t)
		}
		m := lookupType(lt, f.name)
		if !m.ok || m.method >= 0 {
			p.ok = false
			break
		}
		for _, x := range m.field { // Through embedded structs, not pointers.
			if t.Kind() != reflect.Struct {
				p.ok = false
				break
			}
			sf := t.Field(x)
			p.direct = p.direct && sf.IsExported()
			p.offset += sf.Offset
			t = sf.Type
		}
		if !p.ok || i < len(n.list)-1 && t.Kind() != reflect.Struct {
			p.ok = false
			break
		}
		p.index = append(p.index, m.field...)
	}
	if !p.ok {
		p.index, p.direct = nil, false
	}
	if p.direct {
		p.final = t
		p.finalPtr = typeWord(reflect.Zero(reflect.PointerTo(t)).Interface()) // A nil *final: no allocation.
	}
	n.path.Store(p)
	return p
}

// fromPointer is from for the struct a pointer of type pt points to (addressable), remembered
// by pt: a value read on the view ({{.Ticket.ID}} on dot, a *View) is found without following
// the pointer with reflect (Elem, as indirect does). The remembered type is known by its data
// word (typeData), not compared as an interface (runtime.ifaceeq, a call a read).
func (n *names) fromPointer(pt reflect.Type) *fieldPath {
	if p := n.ptrPath.Load(); p != nil && p.word == typeData(pt) {
		return p
	}
	q := *n.from(pt.Elem(), true)
	q.t, q.word = pt, typeData(pt)
	n.ptrPath.Store(&q)
	return &q
}

// typeData is the data word of t: reflect's type itself, one for each type. It assumes t is
// reflect's own type (every reflect.Type the evaluator sees is: Value.Type, TypeFor, In), not
// a type of the program's that embeds reflect.Type.
func typeData(t reflect.Type) unsafe.Pointer { return (*[2]unsafe.Pointer)(unsafe.Pointer(&t))[1] }

// init checks the layouts at and typeData read (an interface's type and data words, reflect's
// type as a pointer) on the Go the program was built with: a Go that laid them out otherwise
// would render mail wrongly, not fail, so the program refuses to start instead. The tests
// (TestFieldPathAt, TestSameTypeAsEqual) check the same against reflect at length.
func init() {
	type probe struct {
		A int64
		B string
	}
	v := probe{B: "layout"}
	p := fieldPath{finalPtr: typeWord((*string)(nil)), offset: unsafe.Offsetof(v.B)}
	b := p.at(unsafe.Pointer(&v))
	if b.Type() != stringType || b.String() != "layout" || !b.CanSet() ||
		!sameType(reflect.TypeOf(v.B), stringType) || sameType(stringType, intType) ||
		typeData(reflect.TypeFor[probe]()) != typeData(reflect.TypeOf(v)) {
		panic("templates: this Go lays interfaces or reflect's types out otherwise than the evaluator reads them")
	}
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

func lookup(ptr reflect.Value, name string) member { return lookupType(ptr.Type(), name) }

// lookupType is what name reads on a value of type t.
func lookupType(t reflect.Type, name string) member {
	k := memberKey{t, name}
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

package templates

import (
	"reflect"
	"sync"
)

// text/template finds a field by name on every use ({{.Ticket.ID}}: reflect's FieldByName),
// which for a field promoted from an embedded struct — every field of View's Notice — searches
// breadth-first and allocates: a fifth of a mail's rendering. Templates are therefore given a
// flat copy of the View: a struct made once, with View's own fields, every field Notice promotes
// and Notice itself ({{.Notice.Text}} still reads), none embedded. The templates read the same
// names and values, and write the same bytes; only the lookups are cheaper.

// flatView is the flat struct type and, for each of its fields, its index path in View.
type flatView struct {
	typ   reflect.Type
	paths [][]int
}

// flat returns the flat type of View; nil when View cannot be flattened without changing what
// templates see (a method on View or Notice, which a flat copy would not have).
var flat = sync.OnceValue(func() *flatView {
	vt := reflect.TypeFor[View]()
	if reflect.PointerTo(vt).NumMethod() > 0 {
		return nil
	}
	f := &flatView{}
	var fields []reflect.StructField
	taken := map[string]bool{}
	add := func(sf reflect.StructField, path []int) {
		if !sf.IsExported() || taken[sf.Name] {
			return
		}
		taken[sf.Name] = true
		fields = append(fields, reflect.StructField{Name: sf.Name, Type: sf.Type, Tag: sf.Tag})
		f.paths = append(f.paths, path)
	}
	// View's own fields first: they hide a promoted field of the same name, as in Go.
	for i := range vt.NumField() {
		add(vt.Field(i), []int{i})
	}
	for i := range vt.NumField() {
		sf := vt.Field(i)
		if !sf.Anonymous {
			continue
		}
		if sf.Type.Kind() != reflect.Struct {
			return nil
		}
		for j := range sf.Type.NumField() {
			inner := sf.Type.Field(j)
			if inner.Anonymous {
				return nil // Promoted two levels deep: keep View as it is.
			}
			add(inner, []int{i, j})
		}
	}
	f.typ = reflect.StructOf(fields)
	return f
})

// dot is what Render gives the templates for v: its flat copy, or v itself.
func dot(v View) any {
	f := flat()
	if f == nil {
		return v
	}
	src := reflect.ValueOf(&v).Elem()
	p := reflect.New(f.typ)
	out := p.Elem()
	for i, path := range f.paths {
		out.Field(i).Set(src.FieldByIndex(path))
	}
	return p.Interface() // A pointer: the templates read through it as through the struct, which is not copied again.
}

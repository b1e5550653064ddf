package templates

import (
	"reflect"
	"sync"
	"time"
)

// inZone returns a copy of v with every time.Time in it, however deeply nested (a notice's
// ticket, its history, its digest's lists, its due date, a known answer's resolution), in loc:
// the one place where a time on its way to a person is put in the desk's zone. A field added to
// tickets.Notice tomorrow is converted too. Zero times stay zero; the caller's copy, slices and
// pointers included, is left as it was.
func inZone[T any](v T, loc *time.Location) T {
	if p := zonePlanOf(reflect.TypeFor[T]()); p != nil {
		zoneInPlace(reflect.ValueOf(&v).Elem(), p, loc)
	}
	return v
}

var timeType = reflect.TypeFor[time.Time]()

// A zonePlan is where the times of a type's values are: a type that holds none has no plan
// (nil). zoneInPlace follows it, not the type: a notice's walk asked holdsTime and timeFields of
// each type it met, 35 lookups in their maps, each hashing a reflect.Type; now one lookup finds
// the plan of the notice (localize 14,100 → 8,800 instructions for a new ticket's two mails, BenchmarkRender).
type zonePlan struct {
	time   bool // The type is time.Time.
	kind   reflect.Kind
	fields []zoneField // A struct's exported fields that hold times.
	elem   *zonePlan   // A pointer's pointee, a slice's or an array's element, a map's value.
	key    *zonePlan   // A map's key.
}

// zoneField is a struct's field that holds times, by its index.
type zoneField struct {
	index int
	plan  *zonePlan
}

// zonePlans caches zonePlanOf by type.
var zonePlans sync.Map // reflect.Type → *zonePlan

// zonePlanOf is the plan of t, nil when it holds no time.
func zonePlanOf(t reflect.Type) *zonePlan {
	if p, ok := zonePlans.Load(t); ok {
		return p.(*zonePlan)
	}
	p := buildZonePlan(t, map[reflect.Type]*zonePlan{})
	zonePlans.Store(t, p)
	return p
}

// buildZonePlan makes the plan of t; plans holds those of the types met so far, so that a
// recursive type's plan points back to itself.
func buildZonePlan(t reflect.Type, plans map[reflect.Type]*zonePlan) *zonePlan {
	if !holdsTime(t) {
		return nil
	}
	if p, ok := plans[t]; ok {
		return p
	}
	p := &zonePlan{time: t == timeType, kind: t.Kind()}
	plans[t] = p
	if p.time {
		return p
	}
	switch t.Kind() {
	case reflect.Struct:
		for _, i := range timeFields(t) {
			p.fields = append(p.fields, zoneField{i, buildZonePlan(t.Field(i).Type, plans)})
		}
	case reflect.Pointer, reflect.Slice, reflect.Array:
		p.elem = buildZonePlan(t.Elem(), plans)
	case reflect.Map:
		p.key, p.elem = buildZonePlan(t.Key(), plans), buildZonePlan(t.Elem(), plans)
	}
	return p
}

// zoneInPlace puts the times of v in loc by v's plan p (not nil), v being addressable and the
// caller's own copy: its structs and arrays are changed where they are; what it shares with the
// original (the elements of a slice, a pointee, a map) is copied first, then changed.
func zoneInPlace(v reflect.Value, p *zonePlan, loc *time.Location) {
	if p.time {
		tm := v.Addr().Interface().(*time.Time) // A pointer in an interface: no allocation.
		if !tm.IsZero() {
			*tm = tm.In(loc)
		}
		return
	}
	switch p.kind {
	case reflect.Struct:
		for _, f := range p.fields {
			zoneInPlace(v.Field(f.index), f.plan, loc)
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		t := v.Type()
		c := reflect.New(t.Elem())
		c.Elem().Set(v.Elem())
		zoneInPlace(c.Elem(), p.elem, loc)
		v.Set(c)
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(out, v)
		for i := range out.Len() {
			zoneInPlace(out.Index(i), p.elem, loc)
		}
		v.Set(out)
	case reflect.Array:
		for i := range v.Len() {
			zoneInPlace(v.Index(i), p.elem, loc)
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		t := v.Type()
		out := reflect.MakeMapWithSize(t, v.Len())
		for it := v.MapRange(); it.Next(); {
			k, e := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
			k.Set(it.Key())
			e.Set(it.Value())
			if p.key != nil {
				zoneInPlace(k, p.key, loc)
			}
			if p.elem != nil {
				zoneInPlace(e, p.elem, loc)
			}
			out.SetMapIndex(k, e)
		}
		v.Set(out)
	}
}

// timeTypes caches holdsTime by type: a notice's types are few and fixed.
var timeTypes sync.Map // reflect.Type → bool

// holdsTime reports whether a value of type t can hold a time.Time in an exported field,
// element, key or pointee, so that values without one are not copied for nothing.
func holdsTime(t reflect.Type) bool {
	if v, ok := timeTypes.Load(t); ok {
		return v.(bool)
	}
	has := holdsTimeSeen(t, map[reflect.Type]bool{})
	timeTypes.Store(t, has)
	return has
}

func holdsTimeSeen(t reflect.Type, seen map[reflect.Type]bool) bool {
	if t == timeType {
		return true
	}
	if seen[t] {
		return false // A recursive type: its other fields decide.
	}
	seen[t] = true
	has := false
	switch t.Kind() {
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && holdsTimeSeen(f.Type, seen) {
				has = true
				break
			}
		}
	case reflect.Pointer, reflect.Slice, reflect.Array:
		has = holdsTimeSeen(t.Elem(), seen)
	case reflect.Map:
		has = holdsTimeSeen(t.Key(), seen) || holdsTimeSeen(t.Elem(), seen)
	}
	return has
}

// structFields caches timeFields by struct type.
var structFields sync.Map // reflect.Type → []int

// timeFields lists the exported fields of a struct type that are or can hold a time.Time: the
// fields zoneInPlace visits. Asked once per struct, not once per field: a notice has some forty
// fields, five of which hold times.
func timeFields(t reflect.Type) []int {
	if v, ok := structFields.Load(t); ok {
		return v.([]int)
	}
	var out []int
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && holdsTime(f.Type) {
			out = append(out, i)
		}
	}
	structFields.Store(t, out)
	return out
}

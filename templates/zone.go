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
	zoneInPlace(reflect.ValueOf(&v).Elem(), loc)
	return v
}

var timeType = reflect.TypeFor[time.Time]()

// zoneInPlace puts the times of v in loc, v being addressable and the caller's own copy: its
// structs and arrays are changed where they are; what it shares with the original (the
// elements of a slice, a pointee, a map) is copied first, then changed.
func zoneInPlace(v reflect.Value, loc *time.Location) {
	t := v.Type()
	if t == timeType {
		tm := v.Addr().Interface().(*time.Time) // A pointer in an interface: no allocation.
		if !tm.IsZero() {
			*tm = tm.In(loc)
		}
		return
	}
	if !holdsTime(t) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		for _, i := range timeFields(t) {
			zoneInPlace(v.Field(i), loc)
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		p := reflect.New(t.Elem())
		p.Elem().Set(v.Elem())
		zoneInPlace(p.Elem(), loc)
		v.Set(p)
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		out := reflect.MakeSlice(t, v.Len(), v.Len())
		reflect.Copy(out, v)
		for i := range out.Len() {
			zoneInPlace(out.Index(i), loc)
		}
		v.Set(out)
	case reflect.Array:
		for i := range v.Len() {
			zoneInPlace(v.Index(i), loc)
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		out := reflect.MakeMapWithSize(t, v.Len())
		for it := v.MapRange(); it.Next(); {
			k, e := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
			k.Set(it.Key())
			e.Set(it.Value())
			zoneInPlace(k, loc)
			zoneInPlace(e, loc)
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

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
	rv := reflect.ValueOf(&v).Elem()
	return zoned(rv, loc).Interface().(T)
}

var timeType = reflect.TypeFor[time.Time]()

func zoned(v reflect.Value, loc *time.Location) reflect.Value {
	t := v.Type()
	if t == timeType {
		tm := v.Interface().(time.Time)
		if tm.IsZero() {
			return v
		}
		return reflect.ValueOf(tm.In(loc))
	}
	if !holdsTime(t) {
		return v
	}
	switch t.Kind() {
	case reflect.Struct:
		out := reflect.New(t).Elem()
		out.Set(v)
		for i := range t.NumField() {
			if f := out.Field(i); f.CanSet() {
				f.Set(zoned(v.Field(i), loc))
			}
		}
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(t.Elem())
		p.Elem().Set(zoned(v.Elem(), loc))
		return p
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(zoned(v.Index(i), loc))
		}
		return out
	case reflect.Array:
		out := reflect.New(t).Elem()
		for i := range v.Len() {
			out.Index(i).Set(zoned(v.Index(i), loc))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(t, v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(zoned(it.Key(), loc), zoned(it.Value(), loc))
		}
		return out
	}
	return v
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

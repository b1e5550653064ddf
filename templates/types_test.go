package templates

import (
	"errors"
	htmltemplate "html/template"
	"reflect"
	"testing"
	"time"
)

// assignableByReflect is assignable as it was, reflect's AssignableTo asked for every value.
func assignableByReflect(v reflect.Value, typ reflect.Type) (reflect.Value, error) {
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

// TestAssignableAsReflect: assignable, which takes a value of the parameter's own type without
// asking reflect, gives what it gave before for every pair of the values and types the templates'
// functions meet (strings, named strings, HTML, integers, times, lists, interfaces).
func TestAssignableAsReflect(t *testing.T) {
	type named string
	var anyStr any = "s"
	var err error = errors.New("e")
	values := []reflect.Value{{}, reflect.ValueOf("s"), reflect.ValueOf(named("n")), reflect.ValueOf(htmltemplate.HTML("<b>")),
		reflect.ValueOf(1), reflect.ValueOf(int64(2)), reflect.ValueOf(time.Unix(0, 0)), reflect.ValueOf([]string{"a"}),
		reflect.ValueOf(&anyStr).Elem(), reflect.ValueOf(&err).Elem(), reflect.ValueOf((*View)(nil)), reflect.ValueOf(View{})}
	types := []reflect.Type{stringType, reflect.TypeFor[named](), htmlValueType, intType, int64Type, timeType, stringsType,
		reflect.TypeFor[any](), errorType, stringerType, reflect.TypeFor[*View](), viewType}
	for _, v := range values {
		for _, typ := range types {
			got, gotErr := assignable(v, typ)
			want, wantErr := assignableByReflect(v, typ)
			if gotErr != wantErr || got.IsValid() != want.IsValid() || got.IsValid() && (got.Type() != want.Type() || got.Kind() != want.Kind()) {
				t.Errorf("assignable(%v, %v) = %v, %v; before %v, %v", v, typ, got, gotErr, want, wantErr)
			}
		}
	}
}

// TestSameTypeAsEqual: sameType tells two reflect.Types apart as == does, a nil one too, and types
// made again by reflect (PointerTo, SliceOf) as the same.
func TestSameTypeAsEqual(t *testing.T) {
	type named string
	types := []reflect.Type{nil, stringType, reflect.TypeFor[named](), htmlValueType, intType, int64Type, timeType, stringsType,
		reflect.TypeFor[any](), errorType, reflect.TypeFor[*View](), viewType, reflect.PointerTo(viewType), reflect.SliceOf(stringType)}
	for _, a := range types {
		for _, b := range types {
			if got, want := sameType(a, b), a == b; got != want {
				t.Errorf("sameType(%v, %v) = %v, want %v", a, b, got, want)
			}
		}
	}
}

package msgpackparser

import (
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/gosio/gosio/internal/msgpack"
)

// field is a struct field as encoding/json sees it.
type field struct {
	name      string
	key       []byte // name, encoded
	index     []int
	omitEmpty bool
	omitZero  bool
	tagged    bool
}

var fieldCache sync.Map // reflect.Type → []field

// structFields returns t's fields by encoding/json's rules: exported
// fields, json tag names, "-" skipped, embedded structs' fields promoted,
// and of two fields with one name the shallower (or the only tagged one)
// kept.
func structFields(t reflect.Type) []field {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]field)
	}
	var all []field
	collectFields(t, nil, &all, 0)
	byName := map[string][]int{}
	for i, f := range all {
		byName[f.name] = append(byName[f.name], i)
	}
	var out []field
	for _, idx := range byName {
		best, dominant := dominantField(all, idx)
		if dominant {
			out = append(out, all[best])
		}
	}
	slices.SortFunc(out, func(a, b field) int { return slices.Compare(a.index, b.index) })
	for i := range out {
		out[i].key = msgpack.AppendString(nil, out[i].name)
	}
	f, _ := fieldCache.LoadOrStore(t, out)
	return f.([]field)
}

func dominantField(all []field, idx []int) (int, bool) {
	minDepth := len(all[idx[0]].index)
	for _, i := range idx {
		minDepth = min(minDepth, len(all[i].index))
	}
	best, n, tagged := -1, 0, 0
	for _, i := range idx {
		if len(all[i].index) != minDepth {
			continue
		}
		n++
		if all[i].tagged {
			tagged++
			best = i
		} else if best < 0 {
			best = i
		}
	}
	if n == 1 || tagged == 1 {
		return best, true
	}
	return -1, false
}

func collectFields(t reflect.Type, prefix []int, out *[]field, depth int) {
	if depth > 16 {
		return
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		index := append(slices.Clone(prefix), i)
		ft := sf.Type
		if sf.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				collectFields(ft, index, out, depth+1)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		f := field{name: sf.Name, index: index, tagged: name != ""}
		if name != "" {
			f.name = name
		}
		for opts != "" {
			var o string
			o, opts, _ = strings.Cut(opts, ",")
			switch o {
			case "omitempty":
				f.omitEmpty = true
			case "omitzero":
				f.omitZero = true
			}
		}
		*out = append(*out, f)
	}
}

// lookup finds the field for a received key: an exact match first, then
// a case-insensitive one, as encoding/json does.
func lookup(fields []field, key []byte) *field {
	for i := range fields {
		if fields[i].name == string(key) {
			return &fields[i]
		}
	}
	for i := range fields {
		if strings.EqualFold(fields[i].name, string(key)) {
			return &fields[i]
		}
	}
	return nil
}

package parser

import (
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Per-type facts used by the reflective encoder path, computed once per type.

var (
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	rawValuerType     = reflect.TypeFor[RawValuer]()
	textMarshalerT    = reflect.TypeFor[encoding.TextMarshaler]()

	mayBinaryCache sync.Map // reflect.Type -> bool
	fieldsCache    sync.Map // reflect.Type -> []fieldInfo
	sortedCache    sync.Map // reflect.Type -> []fieldInfo sorted by name
)

// mayContainBinary reports whether a value of type t can hold a []byte that
// encoding/json would base64-encode. Types with their own JSON/text
// marshaling (json.RawMessage, net.IP, time.Time...) are opaque.
func mayContainBinary(t reflect.Type) bool {
	if r, ok := mayBinaryCache.Load(t); ok {
		return r.(bool)
	}
	r := computeMayBinary(t, map[reflect.Type]bool{})
	mayBinaryCache.Store(t, r)
	return r
}

// computeMayBinary treats types already on the stack as "false" (least fixed
// point of a recursive type); only the top-level answer and "true" answers,
// which never depend on that assumption, are cached.
func computeMayBinary(t reflect.Type, visiting map[reflect.Type]bool) bool {
	if r, ok := mayBinaryCache.Load(t); ok {
		return r.(bool)
	}
	if visiting[t] {
		return false
	}
	if t.Implements(rawValuerType) {
		return true // carries a received value, maybe binary
	}
	if t.Implements(jsonMarshalerType) || t.Implements(textMarshalerT) ||
		(t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface &&
			(reflect.PointerTo(t).Implements(jsonMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerT))) {
		return t.Kind() == reflect.Interface // an interface's dynamic value may be anything
	}
	visiting[t] = true
	defer delete(visiting, t)
	r := false
	switch t.Kind() {
	case reflect.Interface:
		r = true
	case reflect.Slice:
		r = t.Elem().Kind() == reflect.Uint8 || computeMayBinary(t.Elem(), visiting)
	case reflect.Array, reflect.Pointer, reflect.Map:
		r = computeMayBinary(t.Elem(), visiting)
	case reflect.Struct:
		for _, f := range structFields(t) {
			if computeMayBinary(f.typ, visiting) {
				r = true
				break
			}
		}
	}
	if r {
		mayBinaryCache.Store(t, true)
	}
	return r
}

// fieldInfo is one JSON-visible struct field.
type fieldInfo struct {
	name      string
	index     []int
	typ       reflect.Type
	tagged    bool
	omitEmpty bool
	omitZero  bool
	quoted    bool
}

// structFields lists the fields encoding/json would encode for t, applying
// its visibility rules: exported fields, `json:"-"` skipped, embedded
// structs promoted, and on name conflicts the shallowest (then the only
// tagged) field wins while ambiguous ones are dropped.
func structFields(t reflect.Type) []fieldInfo {
	if f, ok := fieldsCache.Load(t); ok {
		return f.([]fieldInfo)
	}
	var all []fieldInfo
	collectFields(t, nil, map[reflect.Type]bool{}, &all)

	// Group by name (stable: by depth, then tagged first, then index order).
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.name != b.name {
			return a.name < b.name
		}
		if len(a.index) != len(b.index) {
			return len(a.index) < len(b.index)
		}
		return a.tagged && !b.tagged
	})
	out := all[:0:0]
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].name == all[i].name {
			j++
		}
		g := all[i:j]
		if len(g) == 1 || len(g[1].index) > len(g[0].index) || (g[0].tagged && !g[1].tagged) {
			out = append(out, g[0])
		}
		i = j
	}
	sort.Slice(out, func(i, j int) bool { return lessIndex(out[i].index, out[j].index) })
	fieldsCache.Store(t, out)
	return out
}

func lessIndex(a, b []int) bool {
	for k := 0; k < len(a) && k < len(b); k++ {
		if a[k] != b[k] {
			return a[k] < b[k]
		}
	}
	return len(a) < len(b)
}

func collectFields(t reflect.Type, prefix []int, seen map[reflect.Type]bool, out *[]fieldInfo) {
	if seen[t] {
		return // embedding cycle through pointers
	}
	seen[t] = true
	defer delete(seen, t)
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		index := append(append([]int(nil), prefix...), i)
		ft := sf.Type
		if sf.Anonymous {
			et := ft
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if !sf.IsExported() && et.Kind() != reflect.Struct {
				continue
			}
			if name == "" && et.Kind() == reflect.Struct {
				collectFields(et, index, seen, out)
				continue
			}
		} else if !sf.IsExported() {
			continue
		}
		f := fieldInfo{name: name, index: index, typ: ft, tagged: name != ""}
		if f.name == "" {
			f.name = sf.Name
		}
		for opts != "" {
			var o string
			o, opts, _ = strings.Cut(opts, ",")
			switch o {
			case "omitempty":
				f.omitEmpty = true
			case "omitzero":
				f.omitZero = true
			case "string":
				f.quoted = true
			}
		}
		*out = append(*out, f)
	}
}

// sortedFields is structFields ordered by JSON name, the order in which a
// struct converted to a map is written: attachments are numbered in that
// order so that their numbers follow the text.
func sortedFields(t reflect.Type) []fieldInfo {
	if f, ok := sortedCache.Load(t); ok {
		return f.([]fieldInfo)
	}
	f := slices.Clone(structFields(t))
	slices.SortFunc(f, func(a, b fieldInfo) int { return strings.Compare(a.name, b.name) })
	sortedCache.Store(t, f)
	return f
}

package msgpackparser

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strconv"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// normNumbers makes numbers comparable across spellings (1.0 and 1, 1e2
// and 100): integers as their exact text, others as float64.
func normNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return strconv.FormatInt(n, 10)
		}
		if _, err := strconv.ParseUint(string(x), 10, 64); err == nil {
			return string(x)
		}
		f, _ := strconv.ParseFloat(string(x), 64)
		switch {
		case f != math.Trunc(f):
		case f >= 0 && f < 1<<64:
			return strconv.FormatUint(uint64(f), 10)
		case f < 0 && f >= -(1<<63):
			return strconv.FormatInt(int64(f), 10)
		}
		return f
	case []any:
		for i := range x {
			x[i] = normNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = normNumbers(x[k])
		}
	}
	return v
}

package engineio

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"net/http"
	"strings"
	"sync"
)

var (
	gzipPool  = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed); return w }}
	flatePool = sync.Pool{New: func() any { w, _ := flate.NewWriter(nil, flate.BestSpeed); return w }}
)

// acceptedEncoding picks gzip or deflate from the request's Accept-Encoding,
// preferring gzip like Node.
func acceptedEncoding(r *http.Request) string {
	ae := r.Header.Get("Accept-Encoding")
	switch {
	case ae == "":
		return ""
	case acceptsToken(ae, "gzip"):
		return "gzip"
	case acceptsToken(ae, "deflate"):
		return "deflate"
	}
	return ""
}

func acceptsToken(header, token string) bool {
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), token) {
			return !strings.Contains(strings.ReplaceAll(params, " ", ""), "q=0") ||
				strings.Contains(params, "q=0.")
		}
	}
	return false
}

// compressBody compresses body with the named encoding.
func compressBody(enc string, body []byte) ([]byte, bool) {
	var buf bytes.Buffer
	buf.Grow(len(body) / 2)
	switch enc {
	case "gzip":
		z := gzipPool.Get().(*gzip.Writer)
		defer gzipPool.Put(z)
		z.Reset(&buf)
		if _, err := z.Write(body); err != nil || z.Close() != nil {
			return nil, false
		}
	case "deflate":
		z := flatePool.Get().(*flate.Writer)
		defer flatePool.Put(z)
		z.Reset(&buf)
		if _, err := z.Write(body); err != nil || z.Close() != nil {
			return nil, false
		}
	default:
		return nil, false
	}
	return buf.Bytes(), true
}

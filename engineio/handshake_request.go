package engineio

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// handshakeRequest keeps a session's handshake request for the layers above
// (headers, query, address) at a fraction of a parsed request's size: the
// header map, the URL and the request struct cost about a kilobyte per
// session, for data most sessions never read. The request is rebuilt on the
// first call to Session.Request.
type handshakeRequest struct {
	once sync.Once
	req  *http.Request

	// The compact form, released once req is built.
	method, requestURI, host, remoteAddr string
	protoMajor, protoMinor               int
	tls                                  *tls.ConnectionState
	// header holds every header line as "Key: value\n"; keys come
	// canonical from net/http, and values cannot hold a newline.
	header string
}

func newHandshakeRequest(r *http.Request) *handshakeRequest {
	h := &handshakeRequest{
		method: r.Method, requestURI: r.RequestURI, host: r.Host,
		remoteAddr: r.RemoteAddr, protoMajor: r.ProtoMajor, protoMinor: r.ProtoMinor, tls: r.TLS,
	}
	if h.requestURI == "" && r.URL != nil {
		h.requestURI = r.URL.RequestURI() // a request built by hand
	}
	n := 0
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 3
		}
	}
	var b strings.Builder
	b.Grow(n)
	for k, vs := range r.Header {
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n") {
				continue // not valid HTTP; cannot have come from net/http
			}
			b.WriteString(k)
			b.WriteString(": ")
			b.WriteString(v)
			b.WriteByte('\n')
		}
	}
	h.header = b.String()
	return h
}

// request returns the rebuilt request; every call returns the same one.
func (h *handshakeRequest) request() *http.Request {
	h.once.Do(func() {
		u, err := url.ParseRequestURI(h.requestURI)
		if err != nil {
			u = &url.URL{} // it parsed once in net/http; keep going
		}
		header := make(http.Header, strings.Count(h.header, "\n"))
		for line := range strings.SplitSeq(strings.TrimSuffix(h.header, "\n"), "\n") {
			if k, v, ok := strings.Cut(line, ": "); ok {
				header[k] = append(header[k], v)
			}
		}
		// No context: Context returns context.Background, never cancelled.
		h.req = &http.Request{
			Method: h.method, URL: u, Proto: fmt.Sprintf("HTTP/%d.%d", h.protoMajor, h.protoMinor), ProtoMajor: h.protoMajor, ProtoMinor: h.protoMinor,
			Header: header, Body: http.NoBody, Host: h.host, RemoteAddr: h.remoteAddr,
			RequestURI: h.requestURI, TLS: h.tls,
		}
		h.method, h.requestURI, h.host, h.remoteAddr, h.header = "", "", "", "", ""
		h.tls = nil
	})
	return h.req
}

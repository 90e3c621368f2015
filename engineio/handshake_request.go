package engineio

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
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

	// The compact form, released once req is built: text is the method,
	// request URI, host and remote address, then every header line as
	// "Key: value", each ending in a newline, in one allocation that keeps
	// nothing of net/http's buffers alive. Keys come canonical from
	// net/http, and none of these can hold a newline.
	text                   string
	tls                    *tls.ConnectionState
	protoMajor, protoMinor uint8

	// ctx is the request's context without its cancellation: what HTTP
	// middleware attached to it (an authenticated identity) stays
	// reachable for the session's life.
	ctx context.Context
}

// bareCancelCtx is the type of the context net/http gives a request. A
// request whose context is still of that type went through no HTTP
// middleware that added values (WithValue wraps it), so there is nothing
// to keep, and not keeping it saves its chain of contexts, some 350 bytes
// per session. A middleware that adds values and then a bare cancel on top
// would lose them: wrap with WithValue last.
var bareCancelCtx = func() reflect.Type {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	return reflect.TypeOf(ctx)
}()

func newHandshakeRequest(r *http.Request) *handshakeRequest {
	h := &handshakeRequest{tls: r.TLS, protoMajor: uint8(r.ProtoMajor), protoMinor: uint8(r.ProtoMinor)}
	if ctx := r.Context(); reflect.TypeOf(ctx) != bareCancelCtx {
		h.ctx = context.WithoutCancel(ctx)
	}
	uri := r.RequestURI
	if uri == "" && r.URL != nil {
		uri = r.URL.RequestURI() // a request built by hand
	}
	first := [...]string{r.Method, uri, r.Host, r.RemoteAddr}
	n := 0
	for _, f := range first {
		n += len(f) + 1
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 3
		}
	}
	var b strings.Builder
	b.Grow(n)
	for _, f := range first {
		if !strings.ContainsAny(f, "\r\n") { // else not from net/http: dropped
			b.WriteString(f)
		}
		b.WriteByte('\n')
	}
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
	h.text = b.String()
	return h
}

// request returns the rebuilt request; every call returns the same one.
func (h *handshakeRequest) request() *http.Request {
	h.once.Do(func() {
		rest := h.text
		var first [4]string
		for i := range first {
			first[i], rest, _ = strings.Cut(rest, "\n")
		}
		method, uri, host, remoteAddr := first[0], first[1], first[2], first[3]
		u, err := url.ParseRequestURI(uri)
		if err != nil {
			u = &url.URL{} // it parsed once in net/http; keep going
		}
		header := make(http.Header, strings.Count(rest, "\n"))
		for line := range strings.SplitSeq(strings.TrimSuffix(rest, "\n"), "\n") {
			if k, v, ok := strings.Cut(line, ": "); ok {
				header[k] = append(header[k], v)
			}
		}
		major, minor := int(h.protoMajor), int(h.protoMinor)
		req := &http.Request{
			Method: method, URL: u, Proto: fmt.Sprintf("HTTP/%d.%d", major, minor), ProtoMajor: major, ProtoMinor: minor,
			Header: header, Body: http.NoBody, Host: host, RemoteAddr: remoteAddr,
			RequestURI: uri, TLS: h.tls,
		}
		if h.ctx != nil {
			req = req.WithContext(h.ctx)
		}
		h.req = req
		h.text, h.tls = "", nil
	})
	return h.req
}

package engineio

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Handler returns next behind the policy c, applied as the engine applies
// it to its own requests: preflight requests are answered, and the others
// reach next with the CORS headers set. It is for an application's other
// routes, a REST API beside Socket.IO say, so that one policy covers both:
//
//	cors := &engineio.CORSOptions{AllowedOrigins: []string{"https://app.example"}}
//	io := socketio.NewServer(&socketio.Options{Engine: engineio.Options{CORS: cors}})
//	mux.Handle("/socket.io/", io)
//	mux.Handle("/api/", cors.Handler(api))
//
// A nil c returns next.
func (c *CORSOptions) Handler(next http.Handler) http.Handler {
	if c == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !c.apply(w, r) {
			next.ServeHTTP(w, r)
		}
	})
}

// apply sets the CORS headers for an allowed origin and answers preflight
// requests. It reports whether the request was a preflight and is answered.
// A nil c does nothing.
func (c *CORSOptions) apply(w http.ResponseWriter, r *http.Request) bool {
	if c == nil {
		return false
	}
	h := w.Header()
	origin := r.Header.Get("Origin")
	h.Add("Vary", "Origin")
	allowed := origin != "" && c.allowsOrigin(origin)
	if allowed {
		if slices.Contains(c.AllowedOrigins, "*") && !c.AllowCredentials {
			h.Set("Access-Control-Allow-Origin", "*")
		} else {
			h.Set("Access-Control-Allow-Origin", origin)
		}
		if c.AllowCredentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
	}
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	if allowed {
		methods := c.AllowedMethods
		if len(methods) == 0 {
			methods = []string{http.MethodGet, http.MethodPost}
		}
		h.Set("Access-Control-Allow-Methods", strings.Join(methods, ", "))
		if len(c.AllowedHeaders) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowedHeaders, ", "))
		} else if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
		}
		if c.MaxAge > 0 {
			h.Set("Access-Control-Max-Age", strconv.Itoa(int(c.MaxAge.Seconds())))
		}
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusNoContent)
	return true
}

func (c *CORSOptions) allowsOrigin(origin string) bool {
	for _, o := range c.AllowedOrigins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return c.AllowOriginFunc != nil && c.AllowOriginFunc(origin)
}

package main

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gosio/gosio/engineio"
)

// corsPolicy turns -cors-origin (comma-separated origins, or "*") into the
// one CORS policy that the REST API and Socket.IO share; nil when the list
// is empty (same-origin pages only).
//
// Listed origins may send credentials (cookies): socket.io-client 2.x always
// does on long-polling, and browsers then need the exact origin echoed back.
// "*" lets any site read the feed but without credentials, since answering
// every origin's credentialed requests would let any site act as the user.
func corsPolicy(list string) *engineio.CORSOptions {
	var origins []string
	for _, o := range strings.Split(list, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	if len(origins) == 0 {
		return nil
	}
	return &engineio.CORSOptions{
		AllowedOrigins:   origins,
		AllowCredentials: !slices.Contains(origins, "*"),
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete},
		MaxAge:           10 * time.Minute,
	}
}

// withCORS answers the REST routes' cross-origin requests by the policy
// that the Socket.IO engine applies to /socket.io/, which it leaves to the
// engine: one -cors-origin covers both, with the same headers.
func withCORS(c *engineio.CORSOptions, next http.Handler) http.Handler {
	if c == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/socket.io/") {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		allowed := origin != "" && allowsOrigin(c, origin)
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
			next.ServeHTTP(w, r)
			return
		}
		// A preflight: the browser asks before a PUT, a DELETE or a JSON POST.
		if allowed {
			h.Set("Access-Control-Allow-Methods", strings.Join(c.AllowedMethods, ", "))
			if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
				h.Set("Access-Control-Allow-Headers", req)
			}
			h.Set("Access-Control-Max-Age", strconv.Itoa(int(c.MaxAge.Seconds())))
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func allowsOrigin(c *engineio.CORSOptions, origin string) bool {
	for _, o := range c.AllowedOrigins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

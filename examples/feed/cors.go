package main

import (
	"net/http"
	"slices"
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

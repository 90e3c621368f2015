package engineio

import (
	"net/url"
	"strings"
)

// engineQuery holds the query parameters every Engine.IO request is routed
// by.
type engineQuery struct {
	transport, eio, sid string
}

// parseEngineQuery reads transport, EIO and sid from a raw query with the
// same result as url.ParseQuery followed by Get: the first well-formed
// occurrence of a key counts, pairs containing ';' or failing to unescape
// are skipped. It exists because every polling request passes through it,
// and the map url.ParseQuery builds costs a dozen allocations per request
// for three values that are substrings of the query in practice.
func parseEngineQuery(raw string) engineQuery {
	var q engineQuery
	var haveTransport, haveEIO, haveSID bool
	for raw != "" && !(haveTransport && haveEIO && haveSID) {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.IndexByte(pair, ';') >= 0 {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		key, ok := queryUnescape(key)
		if !ok {
			continue
		}
		var dst *string
		var have *bool
		switch key {
		case "transport":
			dst, have = &q.transport, &haveTransport
		case "EIO":
			dst, have = &q.eio, &haveEIO
		case "sid":
			dst, have = &q.sid, &haveSID
		default:
			continue
		}
		if *have {
			continue
		}
		if value, ok = queryUnescape(value); ok {
			*dst, *have = value, true
		}
	}
	return q
}

// queryUnescape is url.QueryUnescape without its allocation when there is
// nothing to unescape.
func queryUnescape(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, true
	}
	u, err := url.QueryUnescape(s)
	return u, err == nil
}

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
// same result as url.ParseQuery followed by Get (see eachQueryPair). It
// exists because every polling request passes through it, and the map
// url.ParseQuery builds costs a dozen allocations per request for three
// values that are substrings of the query in practice.
func parseEngineQuery(raw string) engineQuery {
	var q engineQuery
	var haveTransport, haveEIO, haveSID bool
	eachQueryPair(raw, func(key, value string) bool {
		switch {
		case key == "transport" && !haveTransport:
			q.transport, haveTransport = value, true
		case key == "EIO" && !haveEIO:
			q.eio, haveEIO = value, true
		case key == "sid" && !haveSID:
			q.sid, haveSID = value, true
		}
		return !(haveTransport && haveEIO && haveSID)
	})
	return q
}

// queryGet is url.ParseQuery(raw).Get(key) and Has(key), without the map.
func queryGet(raw, key string) (value string, ok bool) {
	eachQueryPair(raw, func(k, v string) bool {
		if k == key {
			value, ok = v, true
		}
		return !ok
	})
	return value, ok
}

// queryHas is url.ParseQuery(raw).Has(key), without the map.
func queryHas(raw, key string) bool {
	_, ok := queryGet(raw, key)
	return ok
}

// eachQueryPair calls yield with the unescaped key and value of each pair of
// a raw query, in order, while it returns true. Like url.ParseQuery, it
// skips pairs containing ';' or failing to unescape.
func eachQueryPair(raw string, yield func(key, value string) bool) {
	for raw != "" {
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
		if value, ok = queryUnescape(value); !ok {
			continue
		}
		if !yield(key, value) {
			return
		}
	}
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

// hasValue reports whether the query's key has a non-empty value
// (url.Values.Get(key) != "").
func hasValue(raw, key string) bool {
	v, _ := queryGet(raw, key)
	return v != ""
}

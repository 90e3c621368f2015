package engineio

import (
	"net/url"
	"testing"
)

// parseEngineQuery must route exactly as url.ParseQuery + Get would.
func checkEngineQuery(t *testing.T, raw string) {
	t.Helper()
	q, _ := url.ParseQuery(raw)
	want := engineQuery{transport: q.Get("transport"), eio: q.Get("EIO"), sid: q.Get("sid")}
	if got := parseEngineQuery(raw); got != want {
		t.Fatalf("parseEngineQuery(%q) = %+v, want %+v", raw, got, want)
	}
	for _, key := range []string{"b64", "sid", "j", "%zz", ""} {
		v, ok := queryGet(raw, key)
		if v != q.Get(key) || ok != q.Has(key) || queryHas(raw, key) != q.Has(key) || hasValue(raw, key) != (q.Get(key) != "") {
			t.Fatalf("queryGet(%q, %q) = %q, %v; url.Values has %q, %v", raw, key, v, ok, q.Get(key), q.Has(key))
		}
	}
}

var engineQuerySeeds = []string{
	"",
	"EIO=4&transport=polling",
	"EIO=4&transport=polling&t=PabcdEf&sid=abc-_DEF123",
	"EIO=3&transport=polling&b64=1&j=0&sid=x",
	"sid=&sid=second&EIO=4",
	"sid=a;b&sid=c&transport=websocket",
	"transport=poll%69ng&EIO=%34&s%69d=a%2Bb+c",
	"transport=%zz&transport=polling&EIO=4",
	"%zz=1&EIO=4",
	"EIO&EIO=4&transport",
	"&&EIO=4&&transport=polling&",
	"EIO=4=4&transport==polling",
	"eio=4&Transport=polling&SID=x",
	"sid=%&sid=ok",
	"b64=1&b64=", "b64&EIO=3", "b64=&b64=1", "b6%34=1", "j=0&j=1", "=x&b64",
}

func TestParseEngineQuery(t *testing.T) {
	for _, raw := range engineQuerySeeds {
		checkEngineQuery(t, raw)
	}
}

func FuzzParseEngineQuery(f *testing.F) {
	for _, raw := range engineQuerySeeds {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw string) { checkEngineQuery(t, raw) })
}

package emitsel

import (
	"testing"

	"github.com/gosio/gosio/internal/msgpack"
)

func json(t *testing.T, v any) string {
	t.Helper()
	b, err := msgpack.MarshalJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSelection(t *testing.T) {
	var zero Selection
	if got := json(t, zero.EmitterOpts()); got != `{"rooms":[],"flags":{},"except":[]}` {
		t.Errorf("zero EmitterOpts = %s", got)
	}
	a := zero.To([]string{"r1", "r2", "r1"})
	b := a.To([]string{"r3"}).Except([]string{"x", "x"}).Volatile().Compress(false)
	c := a.To([]string{"r4"})
	if got := json(t, a.ClusterOpts()); got != `{"rooms":["r1","r2"],"except":[],"flags":{}}` {
		t.Errorf("a ClusterOpts = %s", got)
	}
	if got := json(t, b.EmitterOpts()); got != `{"rooms":["r1","r2","r3"],"flags":{"volatile":true,"compress":false},"except":["x"]}` {
		t.Errorf("b EmitterOpts = %s", got)
	}
	if got := json(t, b.ClusterOpts()); got != `{"rooms":["r1","r2","r3"],"except":["x"],"flags":{"volatile":true,"compress":false}}` {
		t.Errorf("b ClusterOpts = %s", got)
	}
	if got := json(t, c.RequestOpts()); got != `{"rooms":["r1","r2","r4"],"except":[]}` {
		t.Errorf("c RequestOpts = %s", got)
	}
	if !Reserved("connect") || Reserved("news") {
		t.Error("Reserved")
	}
}

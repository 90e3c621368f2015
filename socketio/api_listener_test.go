package socketio_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/socketio"
)

// TestOnRejectsListenersThatCannotWork: a listener whose parameters can
// never receive a client's argument panics with a *ListenerError where it
// is registered, instead of failing on every event.
func TestOnRejectsListenersThatCannotWork(t *testing.T) {
	var nilFunc func(string)
	bad := map[string]any{
		"nil func":           nilFunc,
		"returns int":        func(string) int { return 0 },
		"socket parameter":   func(*socketio.Socket, string) {},
		"context parameter":  func(context.Context, string) {},
		"interface":          func(fmt.Stringer) {},
		"channel":            func(chan int) {},
		"complex":            func(complex128) {},
		"map with array key": func(map[[2]int]int) {},
	}
	for name, fn := range bad {
		t.Run(name, func(t *testing.T) {
			io := socketio.NewServer(nil)
			defer io.Close()
			defer func() {
				r := recover()
				le, ok := r.(*socketio.ListenerError)
				require.True(t, ok, "want a *ListenerError panic, got %v", r)
				require.Equal(t, "ev", le.Event)
			}()
			io.Of("/").On("ev", fn)
		})
	}
	// The events the server raises itself take Go values: an error
	// parameter is fine there.
	io := socketio.NewServer(nil)
	defer io.Close()
	io.OnConnection(func(s *socketio.Socket) {
		s.On("error", func(error) {})
	})
	require.NotPanics(t, func() { io.Of("/").On("ok", func(map[int]string, *int, any, []byte, errorsJoin) {}) })
}

// errorsJoin is a concrete type implementing error: decodable.
type errorsJoin struct{ Msg string }

func (e errorsJoin) Error() string { return e.Msg }

package socketio

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosio/gosio/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keptArgs registers listeners that keep their json.RawMessage arguments,
// through the fast path (json.RawMessage, Ack) and through reflection, and
// returns what they kept.
func keptArgs(io *Server) func() (fast, slow []string) {
	var mu sync.Mutex
	var fast, slow []json.RawMessage
	io.On("connection", func(s *Socket) {
		// Listeners run in order: once the ack is sent, both have run.
		s.On("keep", func(_ json.RawMessage, v ...json.RawMessage) {
			mu.Lock()
			slow = append(slow, v...)
			mu.Unlock()
		})
		s.On("keep", func(v json.RawMessage, ack Ack) {
			mu.Lock()
			fast = append(fast, v)
			mu.Unlock()
			_ = ack()
		})
	})
	return func() (f, s []string) {
		mu.Lock()
		defer mu.Unlock()
		for _, v := range fast {
			f = append(f, string(v))
		}
		for _, v := range slow {
			s = append(s, string(v))
		}
		return f, s
	}
}

// keepPayload is event i's argument; all have the same length, so that a
// message read into a reused buffer would overwrite the previous one's bytes.
func keepPayload(i int) string { return fmt.Sprintf(`{"n":"%04d"}`, i) }

// TestRawMessageArgKeptOverWebSocket: json.RawMessage arguments share the
// received message's bytes; listeners that keep them must still see their
// own after more events have arrived on the connection.
func TestRawMessageArgKeptOverWebSocket(t *testing.T) {
	io := NewServer(nil)
	kept := keptArgs(io)
	c := dial(t, startHTTP(t, io))
	t.Cleanup(func() { _ = io.Close() })
	c.connect("/", "")
	const n = 50
	for i := range n {
		c.send(fmt.Sprintf(`2%d["keep",%s,%s]`, i, keepPayload(i), keepPayload(-i)))
		require.Equal(t, fmt.Sprintf("3%d[]", i), c.next())
	}
	fast, slow := kept()
	require.Len(t, fast, n)
	require.Len(t, slow, n)
	for i := range n {
		require.Equal(t, keepPayload(i), fast[i], "event %d", i)
		require.Equal(t, keepPayload(-i), slow[i], "event %d", i)
	}
}

// TestRawMessageArgKeptOverPolling is the same over HTTP long-polling, with
// several events per POST.
func TestRawMessageArgKeptOverPolling(t *testing.T) {
	io := NewServer(nil)
	kept := keptArgs(io)
	hs := startHTTP(t, io)
	t.Cleanup(func() { _ = io.Close() })

	url := hs.URL + "/socket.io/?EIO=4&transport=polling"
	open := pollGet(t, url)
	require.True(t, strings.HasPrefix(open, "0{"), open)
	var hs0 struct{ SID string }
	require.NoError(t, json.Unmarshal([]byte(open[1:]), &hs0))
	url += "&sid=" + hs0.SID
	pollPost(t, url, "40")
	require.True(t, strings.HasPrefix(pollGet(t, url), "40{"))

	const posts, perPost = 10, 5
	for p := range posts {
		var body, want []string
		for k := range perPost {
			i := p*perPost + k
			body = append(body, fmt.Sprintf(`42%d["keep",%s,%s]`, i, keepPayload(i), keepPayload(-i)))
			want = append(want, fmt.Sprintf("43%d[]", i))
		}
		pollPost(t, url, strings.Join(body, "\x1e"))
		var got []string
		for len(got) < len(want) {
			got = append(got, strings.Split(pollGet(t, url), "\x1e")...)
		}
		require.Equal(t, want, got)
	}
	fast, slow := kept()
	require.Len(t, fast, posts*perPost)
	require.Len(t, slow, posts*perPost)
	for i := range posts * perPost {
		require.Equal(t, keepPayload(i), fast[i], "event %d", i)
		require.Equal(t, keepPayload(-i), slow[i], "event %d", i)
	}
}

func pollGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	return string(b)
}

func pollPost(t *testing.T, url, body string) {
	t.Helper()
	resp, err := http.Post(url, "text/plain;charset=UTF-8", strings.NewReader(body))
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
}

// TestRawMessageArg checks rawMessageArg against what Unmarshal gives, for
// plain and binary values, and that an argument's capacity ends with it.
func TestRawMessageArg(t *testing.T) {
	dec := parser.JSON.NewDecoder()
	pkt, err := dec.Add(false, []byte(`51-["ev", {"a": [1, 2]} , "x", {"b":{"_placeholder":true,"num":0}}, null]`))
	require.NoError(t, err)
	require.Nil(t, pkt)
	pkt, err = dec.Add(true, []byte{1, 2, 3})
	require.NoError(t, err)
	args, name, ok := eventArgs(pkt)
	require.True(t, ok)
	require.Equal(t, "ev", name)
	for i := range len(args) + 1 {
		got, err := rawMessageArg(args, i)
		require.NoError(t, err)
		var want json.RawMessage
		if i < len(args) {
			require.NoError(t, args[i].Unmarshal(&want))
		}
		require.Equal(t, want, got, "argument %d", i)
		require.Equal(t, len(got), cap(got), "argument %d", i)
	}
	got, err := rawMessageArg(args, 2)
	require.NoError(t, err)
	require.JSONEq(t, `{"b":"AQID"}`, string(got))
}

// foreignValue is a RawValue of another codec, without MarshalJSON.
type foreignValue struct{ parser.RawValue }

func TestRawMessageArgWithoutMarshaler(t *testing.T) {
	raw, err := rawValues([]any{map[string]any{"k": "v"}})
	require.NoError(t, err)
	got, err := rawMessageArg([]parser.RawValue{foreignValue{raw[0]}}, 0)
	require.NoError(t, err)
	require.Equal(t, `{"k":"v"}`, string(got))
}

func TestPlainJSONString(t *testing.T) {
	for in, want := range map[string]string{
		`"echo"`: "echo", `""`: "", `"héllo"`: "héllo",
	} {
		got, ok := plainJSONString([]byte(in))
		require.True(t, ok, in)
		require.Equal(t, want, string(got))
	}
	for _, in := range []string{`"ec\u0068o"`, `"a\"b"`, "\"a\tb\"", "\"\xff\"", `"`, `echo`, `1`, `["echo"]`} {
		_, ok := plainJSONString([]byte(in))
		require.False(t, ok, in)
	}
}

// TestEventNames: an event is named the same whether its name is a listened
// one (taken from the listener) or not, escaped or not.
func TestEventNames(t *testing.T) {
	io, hs := startServer(t, nil)
	got := make(chan string, 16)
	io.On("connection", func(s *Socket) {
		s.OnAny(func(name string, _ ...any) { got <- "any:" + name })
		s.On("echo", func(v string) { got <- "echo:" + v })
		s.On("héllo", func(v string) { got <- "héllo:" + v })
	})
	c := dial(t, hs)
	c.connect("/", "")
	next := func() string { return receive(t, got) }
	for _, tc := range []struct{ send, want1, want2 string }{
		{`2["echo","a"]`, "any:echo", "echo:a"},
		{`2["ec\u0068o","b"]`, "any:echo", "echo:b"},
		{`2["héllo","c"]`, "any:héllo", "héllo:c"},
		{`2["other","d"]`, "any:other", ""},
		{`2["ech","e"]`, "any:ech", ""},
	} {
		c.send(tc.send)
		require.Equal(t, tc.want1, next(), tc.send)
		if tc.want2 != "" {
			require.Equal(t, tc.want2, next(), tc.send)
		}
	}
	c.expectNothing(50 * time.Millisecond)
	require.Empty(t, got)
}

// textCodec is the JSON codec seen as another one: it records the Data of
// the packets it writes through AppendText.
type textCodec struct {
	parser.Codec
	mu    sync.Mutex
	types []string
}

func (c *textCodec) AppendText(dst []byte, p parser.Packet) ([]byte, bool, error) {
	c.mu.Lock()
	c.types = append(c.types, fmt.Sprintf("%T", p.Data))
	c.mu.Unlock()
	return parser.JSON.(parser.TextAppender).AppendText(dst, p)
}

// TestAckDataForOtherCodecs: only the JSON codec gets an ack's answer as a
// *[]any; other codecs get the []any that Packet documents.
func TestAckDataForOtherCodecs(t *testing.T) {
	codec := &textCodec{Codec: parser.JSON}
	io, hs := startServer(t, &Options{Parser: codec})
	io.On("connection", func(s *Socket) {
		s.On("ask", func(ack Ack) {
			assert.NoError(t, ack("yes", 2))
			assert.ErrorIs(t, ack("again"), ErrAlreadyAcked)
		})
	})
	c := dial(t, hs)
	c.connect("/", "")
	c.send(`21["ask"]`)
	require.Equal(t, `31["yes",2]`, c.next())
	codec.mu.Lock()
	defer codec.mu.Unlock()
	require.Equal(t, []string{"[]interface {}"}, codec.types)
}

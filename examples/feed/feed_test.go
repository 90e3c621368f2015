package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

const origin = "http://localhost:5173"

// newTestServer runs the feed on an in-memory store.
func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	handler, sio := newServer(NewMemoryStore(), corsPolicy(origin), "")
	ts := httptest.NewServer(handler)
	t.Cleanup(func() {
		sio.Close() // ends pending long-polls so ts.Close does not wait
		ts.Close()
	})
	return ts
}

// call sends a request with a JSON body (nil for none) and decodes the
// JSON answer into out (if not nil). It returns the status code.
func call(t *testing.T, method, url string, body any, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, url, r)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s %s: Content-Type %q", method, url, ct)
	}
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
	}
	return res.StatusCode
}

type errorBody struct {
	Message string       `json:"message"`
	Errors  []fieldError `json:"errors"`
}

type postBody struct {
	Message string `json:"message"`
	Post    Post   `json:"post"`
}

func createPost(t *testing.T, base, title, content string) Post {
	t.Helper()
	var got postBody
	if code := call(t, "POST", base+"/posts", map[string]any{"title": title, "content": content}, &got); code != 201 {
		t.Fatalf("create: status %d", code)
	}
	return got.Post
}

func errorPaths(e errorBody) []string {
	var paths []string
	for _, fe := range e.Errors {
		paths = append(paths, fe.Path)
	}
	return paths
}

func TestCreateValidation(t *testing.T) {
	ts := newTestServer(t)
	cases := []struct {
		body  any
		paths string
	}{
		{map[string]any{}, "title,content"},
		{map[string]any{"title": "   abcd   ", "content": "long enough"}, "title"},
		{map[string]any{"title": "a title", "content": "abc"}, "content"},
		{map[string]any{"title": 12345, "content": "long enough"}, "-"}, // wrong type: 400
	}
	for _, c := range cases {
		var e errorBody
		code := call(t, "POST", ts.URL+"/posts", c.body, &e)
		if c.paths == "-" {
			if code != 400 || e.Message == "" {
				t.Errorf("%v: got %d %+v, want 400", c.body, code, e)
			}
			continue
		}
		if code != 422 || e.Message != "validation failed" || strings.Join(errorPaths(e), ",") != c.paths {
			t.Errorf("%v: got %d %+v, want 422 on %s", c.body, code, e, c.paths)
		}
	}

	// Malformed JSON is a 400 with the same error shape.
	res, err := http.Post(ts.URL+"/posts", "application/json", strings.NewReader("{nope"))
	if err != nil {
		t.Fatal(err)
	}
	var e errorBody
	json.NewDecoder(res.Body).Decode(&e)
	res.Body.Close()
	if res.StatusCode != 400 || e.Message == "" || e.Errors == nil {
		t.Errorf("malformed JSON: got %d %+v", res.StatusCode, e)
	}

	// A valid post is trimmed and gets a Mongo-like id and timestamps.
	var got postBody
	code := call(t, "POST", ts.URL+"/posts", map[string]any{
		"title": "  First post  ", "content": " Hello, feed! ", "creator": map[string]string{"name": "Ada"},
	}, &got)
	p := got.Post
	if code != 201 || p.Title != "First post" || p.Content != "Hello, feed!" || p.Creator.Name != "Ada" {
		t.Fatalf("create: got %d %+v", code, got)
	}
	if !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(p.ID) || p.CreatedAt.IsZero() || !p.UpdatedAt.Equal(p.CreatedAt) {
		t.Errorf("create: bad id or timestamps: %+v", p)
	}

	// Form bodies (as a FormData-based frontend sends) work too.
	res, err = http.PostForm(ts.URL+"/posts", url.Values{"title": {"Form post"}, "content": {"From a form"}})
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(res.Body).Decode(&got)
	res.Body.Close()
	if res.StatusCode != 201 || got.Post.Title != "Form post" || got.Post.Creator.Name != "Anonymous" {
		t.Errorf("form create: got %d %+v", res.StatusCode, got)
	}
}

func TestUpdate(t *testing.T) {
	ts := newTestServer(t)
	p := createPost(t, ts.URL, "Original title", "Original content")

	var e errorBody
	if code := call(t, "PUT", ts.URL+"/posts/"+p.ID, map[string]any{"title": "Short", "content": "tiny"}, &e); code != 422 ||
		strings.Join(errorPaths(e), ",") != "content" {
		t.Errorf("invalid update: got %d %+v", code, e)
	}

	var got postBody
	code := call(t, "PUT", ts.URL+"/posts/"+p.ID, map[string]any{"title": "New title", "content": "New content"}, &got)
	u := got.Post
	if code != 200 || u.ID != p.ID || u.Title != "New title" || u.Content != "New content" ||
		!u.CreatedAt.Equal(p.CreatedAt) || !u.UpdatedAt.After(p.UpdatedAt) {
		t.Fatalf("update: got %d %+v (was %+v)", code, u, p)
	}
	if code := call(t, "GET", ts.URL+"/posts/"+p.ID, nil, &got); code != 200 || got.Post.Title != "New title" {
		t.Errorf("get after update: %d %+v", code, got)
	}
}

func TestNotFound(t *testing.T) {
	ts := newTestServer(t)
	valid := map[string]any{"title": "Valid title", "content": "Valid content"}
	for _, method := range []string{"GET", "PUT", "DELETE"} {
		var e errorBody
		if code := call(t, method, ts.URL+"/posts/000000000000000000000000", valid, &e); code != 404 || e.Message != "post not found" {
			t.Errorf("%s unknown id: got %d %+v", method, code, e)
		}
	}
	// Deleting twice: the second one is a 404.
	p := createPost(t, ts.URL, "Delete me", "Delete me twice")
	if code := call(t, "DELETE", ts.URL+"/posts/"+p.ID, nil, nil); code != 200 {
		t.Errorf("delete: %d", code)
	}
	if code := call(t, "DELETE", ts.URL+"/posts/"+p.ID, nil, nil); code != 404 {
		t.Errorf("second delete: %d", code)
	}
}

func TestPagination(t *testing.T) {
	ts := newTestServer(t)
	res, err := http.Get(ts.URL + "/posts")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if got := strings.TrimSpace(string(body)); got != `{"posts":[],"totalItems":0}` {
		t.Errorf("empty feed: %s", got)
	}
	for i := 1; i <= 5; i++ {
		createPost(t, ts.URL, fmt.Sprintf("Post number %d", i), "Some content")
	}
	type list struct {
		Posts      []Post `json:"posts"`
		TotalItems int    `json:"totalItems"`
	}
	titles := func(l list) string {
		var s []string
		for _, p := range l.Posts {
			s = append(s, strings.TrimPrefix(p.Title, "Post number "))
		}
		return strings.Join(s, ",")
	}
	for query, want := range map[string]string{
		"":                   "5,4", // defaults: page 1, 2 per page, newest first
		"?page=2":            "3,2",
		"?page=3":            "1",
		"?page=4":            "",
		"?page=1&perPage=10": "5,4,3,2,1",
		"?page=2&perPage=3":  "2,1",
	} {
		var l list
		if code := call(t, "GET", ts.URL+"/posts"+query, nil, &l); code != 200 || titles(l) != want || l.TotalItems != 5 || l.Posts == nil {
			t.Errorf("GET /posts%s: got %d [%s] total %d, want [%s] total 5", query, code, titles(l), l.TotalItems, want)
		}
	}
	for _, query := range []string{"?page=0", "?page=abc", "?perPage=0", "?perPage=1000", "?page=-1&perPage=x"} {
		var e errorBody
		if code := call(t, "GET", ts.URL+"/posts"+query, nil, &e); code != 400 || len(e.Errors) == 0 {
			t.Errorf("GET /posts%s: got %d %+v, want 400", query, code, e)
		}
	}
}

// pollClient speaks just enough Engine.IO 4 / Socket.IO 5 over HTTP long
// polling to join the main namespace and read the events it receives.
type pollClient struct {
	t       *testing.T
	url     string // polling URL with the session id
	pending []string
}

func connectPolling(t *testing.T, base string) *pollClient {
	t.Helper()
	c := &pollClient{t: t, url: base + "/socket.io/?EIO=4&transport=polling"}
	open := c.read() // 0{"sid":...}
	var hs struct{ SID string }
	if !strings.HasPrefix(open, "0") || json.Unmarshal([]byte(open[1:]), &hs) != nil {
		t.Fatalf("handshake: %q", open)
	}
	c.url += "&sid=" + hs.SID
	c.write("40") // connect to namespace "/"
	if p := c.read(); !strings.HasPrefix(p, "40{") {
		t.Fatalf("namespace connect: %q", p)
	}
	return c
}

func (c *pollClient) write(packet string) {
	res, err := http.Post(c.url, "text/plain;charset=UTF-8", strings.NewReader(packet))
	if err != nil {
		c.t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		c.t.Fatalf("POST %q: status %d", packet, res.StatusCode)
	}
}

// read returns the next packet, long-polling when none is buffered and
// answering the server's pings.
func (c *pollClient) read() string {
	for {
		if len(c.pending) > 0 {
			p := c.pending[0]
			c.pending = c.pending[1:]
			if p == "2" {
				c.write("3")
				continue
			}
			return p
		}
		client := http.Client{Timeout: 5 * time.Second}
		res, err := client.Get(c.url)
		if err != nil {
			c.t.Fatal(err)
		}
		body, _ := io.ReadAll(bufio.NewReader(res.Body))
		res.Body.Close()
		c.pending = strings.Split(string(body), "\x1e") // packet separator
	}
}

// event reads the next packet, which must be an event, and returns its name
// and JSON arguments.
func (c *pollClient) event() (string, []json.RawMessage) {
	c.t.Helper()
	p := c.read()
	var args []json.RawMessage
	if !strings.HasPrefix(p, "42") || json.Unmarshal([]byte(p[2:]), &args) != nil || len(args) == 0 {
		c.t.Fatalf("want an event packet, got %q", p)
	}
	var name string
	json.Unmarshal(args[0], &name)
	return name, args[1:]
}

func TestMutationsEmitPostsEvents(t *testing.T) {
	ts := newTestServer(t)
	c := connectPolling(t, ts.URL)

	type event struct {
		Action string          `json:"action"`
		Post   json.RawMessage `json:"post"`
	}
	next := func(wantAction string) event {
		t.Helper()
		name, args := c.event()
		var ev event
		if name != "posts" || len(args) != 1 || json.Unmarshal(args[0], &ev) != nil || ev.Action != wantAction {
			t.Fatalf("want posts/%s, got %s %s", wantAction, name, args)
		}
		return ev
	}

	p := createPost(t, ts.URL, "Live post", "Pushed to every client")
	var got Post
	if ev := next("create"); json.Unmarshal(ev.Post, &got) != nil || got.ID != p.ID || got.Title != "Live post" {
		t.Errorf("create event: %s", ev.Post)
	}

	call(t, "PUT", ts.URL+"/posts/"+p.ID, map[string]any{"title": "Edited post", "content": "Pushed again"}, nil)
	if ev := next("update"); json.Unmarshal(ev.Post, &got) != nil || got.ID != p.ID || got.Title != "Edited post" {
		t.Errorf("update event: %s", ev.Post)
	}

	// Failed mutations emit nothing: the next event is the delete's.
	call(t, "POST", ts.URL+"/posts", map[string]any{"title": "x"}, nil)
	call(t, "DELETE", ts.URL+"/posts/000000000000000000000000", nil, nil)
	call(t, "DELETE", ts.URL+"/posts/"+p.ID, nil, nil)
	if ev := next("delete"); string(ev.Post) != `"`+p.ID+`"` {
		t.Errorf("delete event: post is %s, want the id %q", ev.Post, p.ID)
	}
}

// TestCORS checks that one -cors-origin gives the REST routes and
// Socket.IO the same answers: preflights (which a cross-origin PUT, DELETE
// or JSON POST needs) and plain requests, for exact origins (credentials
// allowed, origin echoed) and for "*" (any origin, no credentials).
func TestCORS(t *testing.T) {
	for _, tc := range []struct {
		flag, from, wantOrigin, wantCreds string
	}{
		{flag: origin, from: origin, wantOrigin: origin, wantCreds: "true"},
		{flag: "http://a.example, " + origin, from: origin, wantOrigin: origin, wantCreds: "true"},
		{flag: origin, from: "http://evil.example"},
		{flag: "*", from: "http://any.example", wantOrigin: "*"},
		{flag: "", from: origin},
	} {
		t.Run(tc.flag+" from "+tc.from, func(t *testing.T) {
			handler, sio := newServer(NewMemoryStore(), corsPolicy(tc.flag), "")
			ts := httptest.NewServer(handler)
			defer ts.Close()
			defer sio.Close()
			do := func(method, path string, preflight bool) *http.Response {
				t.Helper()
				req, _ := http.NewRequest(method, ts.URL+path, nil)
				req.Header.Set("Origin", tc.from)
				if preflight {
					req.Header.Set("Access-Control-Request-Method", "PUT")
					req.Header.Set("Access-Control-Request-Headers", "content-type")
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				return res
			}
			check := func(what string, res *http.Response, status int, preflight bool) {
				t.Helper()
				h := res.Header
				if tc.flag == "" {
					status = res.StatusCode // no CORS: only the headers' absence matters
				}
				if res.StatusCode != status || h.Get("Access-Control-Allow-Origin") != tc.wantOrigin ||
					h.Get("Access-Control-Allow-Credentials") != tc.wantCreds {
					t.Errorf("%s: %d, Allow-Origin %q, Allow-Credentials %q; want %d, %q, %q", what, res.StatusCode,
						h.Get("Access-Control-Allow-Origin"), h.Get("Access-Control-Allow-Credentials"),
						status, tc.wantOrigin, tc.wantCreds)
				}
				if !preflight {
					return
				}
				allowed := tc.wantOrigin != ""
				if m := h.Get("Access-Control-Allow-Methods"); allowed != strings.Contains(m, "PUT") {
					t.Errorf("%s: Allow-Methods %q", what, m)
				}
				if hd := h.Get("Access-Control-Allow-Headers"); allowed != strings.Contains(strings.ToLower(hd), "content-type") {
					t.Errorf("%s: Allow-Headers %q", what, hd)
				}
			}
			var answers []http.Header
			for _, path := range []string{"/posts", "/posts/abc", "/socket.io/?EIO=4&transport=polling"} {
				res := do("OPTIONS", path, true)
				check("preflight "+path, res, http.StatusNoContent, true)
				answers = append(answers, corsHeaders(res.Header))
			}
			for _, a := range answers[1:] {
				if fmt.Sprint(a) != fmt.Sprint(answers[0]) {
					t.Errorf("REST and Socket.IO preflights differ: %v", answers)
				}
			}
			for _, path := range []string{"/posts", "/socket.io/?EIO=4&transport=polling"} {
				check("GET "+path, do("GET", path, false), http.StatusOK, false)
			}
		})
	}
}

// corsHeaders keeps h's Access-Control-* headers.
func corsHeaders(h http.Header) http.Header {
	out := http.Header{}
	for k, v := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			out[k] = v
		}
	}
	return out
}

func TestPageServed(t *testing.T) {
	ts := newTestServer(t)
	res, err := http.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "/socket.io.min.js") {
		t.Errorf("GET /: %d %.80q", res.StatusCode, body)
	}
}

// testStore checks the Store contract; both implementations must pass it.
func testStore(t *testing.T, s Store) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 3 {
		at := t0.Add(time.Duration(i) * time.Minute)
		p := Post{ID: newID(at), Title: fmt.Sprint("post ", i), CreatedAt: at, UpdatedAt: at}
		if err := s.Create(p); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	posts, total, err := s.List(0, 2)
	if err != nil || total != 3 || len(posts) != 2 || posts[0].ID != ids[2] || posts[1].ID != ids[1] {
		t.Fatalf("List(0, 2) = %v, %d, %v", posts, total, err)
	}
	if posts, _, _ := s.List(5, 2); len(posts) != 0 {
		t.Errorf("List past the end = %v", posts)
	}
	if err := s.Update(Post{ID: "nope"}); err != ErrNotFound {
		t.Errorf("Update unknown: %v", err)
	}
	if err := s.Delete("nope"); err != ErrNotFound {
		t.Errorf("Delete unknown: %v", err)
	}
	if _, err := s.Get("nope"); err != ErrNotFound {
		t.Errorf("Get unknown: %v", err)
	}
}

func TestMemoryStore(t *testing.T) { testStore(t, NewMemoryStore()) }

func TestBoltStorePersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feed.db")
	s, err := OpenBoltStore(path)
	if err != nil {
		t.Fatal(err)
	}
	testStore(t, s)
	posts, _, _ := s.List(0, 10)
	edited := posts[0]
	edited.Title = "edited"
	if err := s.Update(edited); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(posts[2].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = OpenBoltStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, total, err := s.List(0, 10)
	if err != nil || total != 2 || got[0].ID != posts[0].ID || got[0].Title != "edited" ||
		got[1].ID != posts[1].ID || !got[1].CreatedAt.Equal(posts[1].CreatedAt) {
		t.Fatalf("after reopen: %+v, %d, %v", got, total, err)
	}
}

// TestBoltStoreInUse checks that a second open of a database file says,
// in well under a second, that another process has it (bbolt's lock is per
// open file, so a second open in this process stands for another feed).
func TestBoltStoreInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feed.db")
	s, err := OpenBoltStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Now()
	s2, err := OpenBoltStore(path)
	took := time.Since(t0)
	if err == nil {
		s2.Close()
		t.Fatal("second open succeeded")
	}
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), path) ||
		!strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("second open: %v", err)
	}
	if took > 700*time.Millisecond {
		t.Errorf("second open took %v", took)
	}
}

// TestDefaultDBPath checks that the default data file depends on the user's
// data directory, not on the working directory.
func TestDefaultDBPath(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", dir)
	if got, want := defaultDBPath(), filepath.Join(dir, "gosio-feed", "feed.db"); got != want {
		t.Errorf("with XDG_DATA_HOME: %q, want %q", got, want)
	}
	if runtime.GOOS == "linux" {
		t.Setenv("XDG_DATA_HOME", "")
		t.Setenv("HOME", dir)
		if got, want := defaultDBPath(), filepath.Join(dir, ".local", "share", "gosio-feed", "feed.db"); got != want {
			t.Errorf("with HOME only: %q, want %q", got, want)
		}
	}
}

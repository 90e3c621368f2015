package main

import (
	"encoding/json"
	"errors"
	"log"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gosio/gosio/socketio"
)

// API is the REST API for posts. Every change is also pushed to all
// Socket.IO clients as a "posts" event.
type API struct {
	Store Store
	IO    *socketio.Server
}

// Register adds the API's routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /posts", a.list)
	mux.HandleFunc("GET /posts/{id}", a.get)
	mux.HandleFunc("POST /posts", a.create)
	mux.HandleFunc("PUT /posts/{id}", a.update)
	mux.HandleFunc("DELETE /posts/{id}", a.delete)
}

// postsEvent is the payload of the "posts" event: the created or updated
// post, or the id of the deleted one.
type postsEvent struct {
	Action string `json:"action"` // "create", "update" or "delete"
	Post   any    `json:"post"`
}

// fieldError describes one invalid input, shaped like express-validator's.
type fieldError struct {
	Type     string `json:"type"`
	Path     string `json:"path"`
	Msg      string `json:"msg"`
	Value    string `json:"value"`
	Location string `json:"location"`
}

func (a *API) list(w http.ResponseWriter, r *http.Request) {
	var errs []fieldError
	pageNum := queryInt(r, "page", 1, 1, 1<<20, &errs)
	perPage := queryInt(r, "perPage", 2, 1, 100, &errs)
	if len(errs) > 0 {
		writeError(w, http.StatusBadRequest, "invalid query parameters", errs)
		return
	}
	posts, total, err := a.Store.List((pageNum-1)*perPage, perPage)
	if err != nil {
		serverError(w, err)
		return
	}
	if posts == nil {
		posts = []Post{} // [] rather than null in JSON
	}
	writeJSON(w, http.StatusOK, map[string]any{"posts": posts, "totalItems": total})
}

func (a *API) get(w http.ResponseWriter, r *http.Request) {
	p, err := a.Store.Get(r.PathValue("id"))
	if err != nil {
		storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"post": p})
}

func (a *API) create(w http.ResponseWriter, r *http.Request) {
	in, ok := readInput(w, r)
	if !ok {
		return
	}
	now := time.Now().UTC()
	p := Post{ID: newID(now), Title: in.Title, Content: in.Content,
		Creator: Creator{Name: in.Name}, CreatedAt: now, UpdatedAt: now}
	if err := a.Store.Create(p); err != nil {
		serverError(w, err)
		return
	}
	a.IO.Emit("posts", postsEvent{Action: "create", Post: p})
	writeJSON(w, http.StatusCreated, map[string]any{"message": "post created", "post": p})
}

func (a *API) update(w http.ResponseWriter, r *http.Request) {
	p, err := a.Store.Get(r.PathValue("id"))
	if err != nil {
		storeError(w, err)
		return
	}
	in, ok := readInput(w, r)
	if !ok {
		return
	}
	p.Title, p.Content, p.UpdatedAt = in.Title, in.Content, time.Now().UTC()
	if err := a.Store.Update(p); err != nil {
		storeError(w, err)
		return
	}
	a.IO.Emit("posts", postsEvent{Action: "update", Post: p})
	writeJSON(w, http.StatusOK, map[string]any{"message": "post updated", "post": p})
}

func (a *API) delete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := a.Store.Delete(id); err != nil {
		storeError(w, err)
		return
	}
	a.IO.Emit("posts", postsEvent{Action: "delete", Post: id})
	writeJSON(w, http.StatusOK, map[string]any{"message": "post deleted", "postId": id})
}

// input is a post as clients send it: JSON ({"title", "content",
// "creator": {"name"}}) or a form (title, content, name).
type input struct {
	Title, Content, Name string
}

// readInput decodes and validates the request body; on failure it has
// already answered 400 (unreadable body) or 422 (invalid fields).
func readInput(w http.ResponseWriter, r *http.Request) (input, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	var in input
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data", "application/x-www-form-urlencoded":
		r.ParseMultipartForm(1 << 20)
		in = input{r.FormValue("title"), r.FormValue("content"), r.FormValue("name")}
	default:
		var body struct {
			Title   string   `json:"title"`
			Content string   `json:"content"`
			Creator *Creator `json:"creator"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			writeError(w, http.StatusBadRequest, "request body must be a JSON object: "+err.Error(), nil)
			return in, false
		}
		in = input{Title: body.Title, Content: body.Content}
		if body.Creator != nil {
			in.Name = body.Creator.Name
		}
	}
	in.Title, in.Content, in.Name = strings.TrimSpace(in.Title), strings.TrimSpace(in.Content), strings.TrimSpace(in.Name)
	if in.Name == "" {
		in.Name = "Anonymous"
	}
	var errs []fieldError
	for _, f := range []struct{ path, value string }{{"title", in.Title}, {"content", in.Content}} {
		if n := utf8.RuneCountInString(f.value); n < 5 {
			errs = append(errs, fieldError{Type: "field", Path: f.path, Value: f.value, Location: "body",
				Msg: f.path + " must be at least 5 characters long"})
		}
	}
	if len(errs) > 0 {
		writeError(w, http.StatusUnprocessableEntity, "validation failed", errs)
		return in, false
	}
	return in, true
}

// queryInt reads an integer query parameter in [lo, hi], or def if absent.
func queryInt(r *http.Request, name string, def, lo, hi int, errs *[]fieldError) int {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		*errs = append(*errs, fieldError{Type: "field", Path: name, Value: s, Location: "query",
			Msg: name + " must be an integer from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi)})
		return def
	}
	return n
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string, errs []fieldError) {
	if errs == nil {
		errs = []fieldError{}
	}
	writeJSON(w, status, map[string]any{"message": msg, "errors": errs})
}

func storeError(w http.ResponseWriter, err error) {
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, "post not found", nil)
		return
	}
	serverError(w, err)
}

func serverError(w http.ResponseWriter, err error) {
	log.Print(err)
	writeError(w, http.StatusInternalServerError, "internal server error", nil)
}

package main

import (
	"cmp"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Post is a feed entry. The JSON shape (_id, creator.name, createdAt,
// updatedAt) is the one a MongoDB-backed Node server returns, so a frontend
// written for that server works unchanged.
type Post struct {
	ID        string    `json:"_id"`
	Title     string    `json:"title"`
	Content   string    `json:"content"`
	Creator   Creator   `json:"creator"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Creator is who wrote a post.
type Creator struct {
	Name string `json:"name"`
}

// ErrNotFound is returned for an unknown post id.
var ErrNotFound = errors.New("post not found")

// Store keeps the posts. List returns them newest first.
type Store interface {
	List(offset, limit int) (posts []Post, total int, err error)
	Get(id string) (Post, error)
	Create(p Post) error
	Update(p Post) error // ErrNotFound if p.ID is unknown
	Delete(id string) error
	Close() error
}

// newestFirst orders posts by creation time, then id (ids grow with time).
func newestFirst(a, b Post) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(b.ID, a.ID)
}

// page returns posts[offset:offset+limit], clamped.
func page(posts []Post, offset, limit int) []Post {
	offset = min(offset, len(posts))
	return posts[offset:min(offset+limit, len(posts))]
}

// Ids look like MongoDB ObjectIds: 24 hex digits made of a 4-byte timestamp,
// 5 random bytes fixed per process and a 3-byte counter.
var (
	idPrefix  = hex.EncodeToString(randomBytes(5))
	idCounter atomic.Uint32
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func newID(now time.Time) string {
	var ts [4]byte
	binary.BigEndian.PutUint32(ts[:], uint32(now.Unix()))
	var ctr [4]byte
	binary.BigEndian.PutUint32(ctr[:], idCounter.Add(1))
	return hex.EncodeToString(ts[:]) + idPrefix + hex.EncodeToString(ctr[1:])
}

// MemoryStore is a Store in memory, for tests.
type MemoryStore struct {
	mu    sync.Mutex
	posts map[string]Post
}

func NewMemoryStore() *MemoryStore { return &MemoryStore{posts: map[string]Post{}} }

func (m *MemoryStore) List(offset, limit int) ([]Post, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	all := make([]Post, 0, len(m.posts))
	for _, p := range m.posts {
		all = append(all, p)
	}
	slices.SortFunc(all, newestFirst)
	return page(all, offset, limit), len(all), nil
}

func (m *MemoryStore) Get(id string) (Post, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.posts[id]
	if !ok {
		return Post{}, ErrNotFound
	}
	return p, nil
}

func (m *MemoryStore) Create(p Post) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.posts[p.ID] = p
	return nil
}

func (m *MemoryStore) Update(p Post) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.posts[p.ID]; !ok {
		return ErrNotFound
	}
	m.posts[p.ID] = p
	return nil
}

func (m *MemoryStore) Delete(id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.posts[id]; !ok {
		return ErrNotFound
	}
	delete(m.posts, id)
	return nil
}

func (m *MemoryStore) Close() error { return nil }

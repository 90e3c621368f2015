package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

var postsBucket = []byte("posts")

// BoltStore is a Store in a bbolt file: one bucket, post id → JSON. List
// reads and sorts every post, which is fine for an example's feed.
type BoltStore struct{ db *bolt.DB }

// lockWait is how long OpenBoltStore waits for the file's lock. bbolt
// locks the file for as long as it is open, so a second feed on the same
// file would wait forever; the lock is free at once unless another process
// holds it, so a short wait is enough to tell.
const lockWait = 300 * time.Millisecond

// ErrInUse is returned by OpenBoltStore when another process has the
// database file open.
var ErrInUse = errors.New("in use by another process (is another feed running on it?): " +
	"stop that process, or pass -db with another file")

// OpenBoltStore opens (or creates) the database file at path.
func OpenBoltStore(path string) (*BoltStore, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockWait})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%s: %w", path, ErrInUse)
	}
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(postsBucket)
		return err
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &BoltStore{db: db}, nil
}

func (s *BoltStore) List(offset, limit int) ([]Post, int, error) {
	var all []Post
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(postsBucket).ForEach(func(_, v []byte) error {
			var p Post
			if err := json.Unmarshal(v, &p); err != nil {
				return err
			}
			all = append(all, p)
			return nil
		})
	})
	slices.SortFunc(all, newestFirst)
	return page(all, offset, limit), len(all), err
}

func (s *BoltStore) Get(id string) (Post, error) {
	var p Post
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(postsBucket).Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &p)
	})
	return p, err
}

func (s *BoltStore) Create(p Post) error { return s.put(p, false) }
func (s *BoltStore) Update(p Post) error { return s.put(p, true) }

func (s *BoltStore) put(p Post, mustExist bool) error {
	v, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(postsBucket)
		if mustExist && b.Get([]byte(p.ID)) == nil {
			return ErrNotFound
		}
		return b.Put([]byte(p.ID), v)
	})
}

func (s *BoltStore) Delete(id string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(postsBucket)
		if b.Get([]byte(id)) == nil {
			return ErrNotFound
		}
		return b.Delete([]byte(id))
	})
}

func (s *BoltStore) Close() error { return s.db.Close() }

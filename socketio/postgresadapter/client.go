package postgresadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gosio/gosio/internal/msgpack"
	"github.com/gosio/gosio/internal/pgnotify"
)

// client is what the namespaces of one factory share, as in Node's
// createAdapter: one dedicated connection that LISTENs on every
// namespace's channel (and comes back after the database restarts), the
// pool for NOTIFY and the attachment table, and the table's cleanup.
type client struct {
	pool *pgxpool.Pool
	opts Options
	log  *slog.Logger

	ctx    context.Context // ends on close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	adapters map[string]*Adapter // by namespace
	channels map[string]string   // channel → namespace
	dirty    bool                // a channel awaits its LISTEN
	// wake interrupts the listener's wait for a notification, so that it
	// LISTENs to a new channel at once.
	wake context.CancelFunc
	// listening is closed once every channel known when it was made is
	// LISTENed to; replaced when a channel is added.
	listening chan struct{}
}

func newClient(pool *pgxpool.Pool, opts Options, log *slog.Logger) *client {
	ctx, cancel := context.WithCancel(context.Background())
	c := &client{pool: pool, opts: opts, log: log, ctx: ctx, cancel: cancel,
		adapters: map[string]*Adapter{}, channels: map[string]string{},
		listening: make(chan struct{})}
	c.wg.Add(2)
	go c.listenLoop()
	go c.cleanupLoop()
	return c
}

// add registers a namespace's adapter and LISTENs to its channel.
func (c *client) add(a *Adapter) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.adapters[a.nsp.Name()] = a
	ch := pgnotify.Channel(c.opts.ChannelPrefix, a.nsp.Name())
	if _, ok := c.channels[ch]; ok {
		return
	}
	c.channels[ch] = a.nsp.Name()
	c.dirty = true
	select {
	case <-c.listening:
		c.listening = make(chan struct{})
	default:
	}
	if c.wake != nil {
		c.wake()
	}
}

// remove unregisters a namespace's adapter; it reports whether none is
// left (the factory then closes the client, as Node's does).
func (c *client) remove(a *Adapter) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.adapters[a.nsp.Name()] == a {
		delete(c.adapters, a.nsp.Name())
	}
	return len(c.adapters) == 0
}

// ready returns a channel closed once every channel added so far is
// LISTENed to.
func (c *client) ready() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.listening
}

func (c *client) close() {
	c.cancel()
	c.wg.Wait()
}

// --- listening ---

func (c *client) listenLoop() {
	defer c.wg.Done()
	for {
		err := c.listenOnce()
		if c.ctx.Err() != nil {
			return
		}
		// As Node's adapter: retry after 1 to 3 seconds. Notifications
		// sent meanwhile are lost, as they are with Node.
		delay := time.Duration(1000+rand.IntN(2000)) * time.Millisecond
		c.log.Warn("postgresadapter: listening connection lost; reconnecting", "err", err, "in", delay)
		t := time.NewTimer(delay)
		select {
		case <-c.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// connect opens the dedicated LISTEN connection with the pool's settings.
// Its context watcher interrupts a wait with a read deadline instead of a
// cancel request: a cancel request reaches the server asynchronously and
// could cancel the LISTEN that follows the wait it was meant for.
func (c *client) connect() (*pgx.Conn, error) {
	cfg := c.pool.Config().ConnConfig.Copy()
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: pc.Conn()}
	}
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.RequestsTimeout)
	defer cancel()
	return pgx.ConnectConfig(ctx, cfg)
}

func (c *client) listenOnce() error {
	conn, err := c.connect()
	if err != nil {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(ctx)
	}()
	listened := map[string]bool{}
	for {
		if err := c.listenNew(conn, listened); err != nil {
			return err
		}
		waitCtx, wake := context.WithCancel(c.ctx)
		c.mu.Lock()
		if c.dirty {
			c.mu.Unlock()
			wake()
			continue
		}
		c.wake = wake
		c.mu.Unlock()
		n, err := conn.WaitForNotification(waitCtx)
		c.mu.Lock()
		c.wake = nil
		c.mu.Unlock()
		wake()
		if err != nil {
			if c.ctx.Err() != nil || (waitCtx.Err() != nil && !conn.IsClosed()) {
				// Closing, or woken up for a new channel: the connection
				// is still good after a read deadline.
				if c.ctx.Err() != nil {
					return c.ctx.Err()
				}
				continue
			}
			return err
		}
		c.deliver(n)
	}
}

// listenNew LISTENs to the channels not yet in listened (all of them on a
// new connection), then marks the client ready.
func (c *client) listenNew(conn *pgx.Conn, listened map[string]bool) error {
	for {
		c.mu.Lock()
		var todo []string
		for ch := range c.channels {
			if !listened[ch] {
				todo = append(todo, ch)
			}
		}
		if len(todo) == 0 {
			c.dirty = false
			select {
			case <-c.listening:
			default:
				close(c.listening)
			}
			c.mu.Unlock()
			return nil
		}
		c.mu.Unlock()
		for _, ch := range todo {
			ctx, cancel := context.WithTimeout(c.ctx, c.opts.RequestsTimeout)
			_, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize())
			cancel()
			if err != nil {
				return fmt.Errorf("postgresadapter: LISTEN %q: %w", ch, err)
			}
			listened[ch] = true
		}
	}
}

// deliver routes one notification to its namespace's adapter. It runs on
// the listening goroutine, so messages of one channel keep their order.
func (c *client) deliver(n *pgconn.Notification) {
	c.mu.Lock()
	name, known := c.channels[n.Channel]
	c.mu.Unlock()
	if !known {
		return
	}
	m, id, hasAttachment, err := decodeNotification(n.Payload)
	if err != nil {
		c.log.Warn("postgresadapter: malformed notification", "channel", n.Channel, "err", err)
		return
	}
	// Node's emitter sends no nsp (nor does Node's attachment header):
	// the channel names the namespace.
	nsp, ok := m["nsp"].(string)
	if !ok {
		nsp = name
	}
	c.mu.Lock()
	a := c.adapters[nsp]
	c.mu.Unlock()
	if a == nil {
		return
	}
	if uid, _ := m["uid"].(string); uid == a.uid {
		return // our own, attachment or not: no need to read it back
	}
	if hasAttachment {
		if m, err = c.readAttachment(id); err != nil {
			c.log.Warn("postgresadapter: cannot read attachment", "id", id, "err", err)
			return
		}
	}
	if _, ok := m["nsp"].(string); !ok {
		m["nsp"] = nsp
	}
	a.onMessage(m)
}

var errTooLarge = errors.New("postgresadapter: attachment over MaxAttachmentSize")

// readAttachment fetches and decodes attachment id; a body over
// MaxAttachmentSize is not transferred.
func (c *client) readAttachment(id int64) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.RequestsTimeout)
	defer cancel()
	var body []byte
	var size int64
	err := c.pool.QueryRow(ctx,
		"SELECT CASE WHEN octet_length(payload) <= $2 THEN payload END, octet_length(payload) FROM "+
			c.opts.TableName+" WHERE id = $1", id, c.opts.MaxAttachmentSize).Scan(&body, &size)
	if err != nil {
		return nil, err
	}
	if body == nil && size > 0 {
		return nil, fmt.Errorf("%w (%d bytes)", errTooLarge, size)
	}
	return decodeAttachment(body)
}

// --- publishing ---

// publish sends message m (of type typ, for namespace nsp) from uid:
// NOTIFY on the namespace's channel, through the attachment table when
// it is binary or too large.
func (c *client) publish(ctx context.Context, uid, nsp string, typ int, m msgpack.Map) error {
	enc, err := pgnotify.Encode(typ, m, c.opts.PayloadThreshold)
	if err != nil {
		return fmt.Errorf("postgresadapter: encode: %w", err)
	}
	return pgnotify.Publish(ctx, c.pool, c.opts.TableName, pgnotify.Channel(c.opts.ChannelPrefix, nsp), uid, nsp, typ, enc)
}

// --- cleanup ---

// cleanupLoop deletes, every CleanupInterval, the attachments older than
// CleanupInterval, as Node's adapter does.
func (c *client) cleanupLoop() {
	defer c.wg.Done()
	t := time.NewTicker(c.opts.CleanupInterval)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(c.ctx, c.opts.RequestsTimeout)
		err := Cleanup(ctx, c.pool, c.opts.TableName, c.opts.CleanupInterval)
		cancel()
		if err != nil && c.ctx.Err() == nil {
			c.log.Warn("postgresadapter: cleanup failed", "err", err)
		}
	}
}

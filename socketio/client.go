package socketio

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gosio/gosio/engineio"
	"github.com/gosio/gosio/parser"
)

// client is one Engine.IO session seen from Socket.IO: it decodes packets and
// routes them to the session's sockets, one per namespace.
type client struct {
	srv     *Server
	sess    *engineio.Session
	decoder parser.Decoder // used only by the engine's delivery, one at a time
	// pktBytes counts the message bytes of the packet being decoded (with
	// its binary attachments): what its event holds while it waits. Used
	// only by the engine's delivery, like decoder.
	pktBytes int64

	mu sync.Mutex
	// sockets are the connecting or connected sockets, one per namespace: a
	// client has one or a few, which a slice holds more cheaply than a map.
	sockets      []*Socket
	connectTimer *time.Timer
	closed       bool

	inline inlineRun // the handler running on the reader, if any
}

// encoded is a packet encoded once into engine messages, ready to be queued
// on any number of connections.
type encoded struct {
	msgs  []*engineio.Message
	event string // the event's name, for a drop's report
}

// encode encodes pkt with the server's codec.
func (srv *Server) encode(pkt *parser.Packet, compress bool) (*encoded, error) {
	var buf [2]parser.Frame
	frames, err := srv.opts.Parser.Encode(buf[:0], pkt)
	if err != nil {
		return nil, err
	}
	e := &encoded{msgs: make([]*engineio.Message, len(frames)), event: eventName(pkt)}
	for i, f := range frames {
		var m *engineio.Message
		if f.Binary {
			// A JSON attachment is the caller's []byte itself: copied, so
			// that the caller owns it again once Emit returns.
			m = engineio.BinaryMessage(bytes.Clone(f.Data))
		} else {
			m = engineio.TextMessage(f.Data)
		}
		if !compress {
			m.DisableCompression()
		}
		e.msgs[i] = m
	}
	return e, nil
}

// sendEncoded queues an encoded packet; an error says why it was not.
func (c *client) sendEncoded(e *encoded, volatile bool) error {
	if volatile {
		if !c.sess.SendVolatile(e.msgs...) {
			return errVolatileDropped
		}
		return nil
	}
	return c.sess.Send(e.msgs...)
}

func (c *client) sendPacket(pkt *parser.Packet, volatile bool) error {
	return c.sendPacketFlags(pkt, volatile, true)
}

func (c *client) sendPacketFlags(pkt *parser.Packet, volatile, compress bool) error {
	if pkt.Type == parser.Ack && !volatile && compress {
		if sent, err := c.sendAckNow(*pkt); sent || err != nil {
			return err
		}
	}
	e, err := c.srv.encode(pkt, compress)
	if err != nil {
		return err
	}
	if volatile {
		if !c.sess.SendVolatile(e.msgs...) {
			return errVolatileDropped
		}
		return nil
	}
	if pkt.Type == parser.Ack && len(e.msgs) == 1 {
		// An ack answers one request: written by the handler's goroutine
		// when the connection is free, without waking a writer.
		err = c.sess.SendNow(e.msgs[0])
	} else {
		err = c.sess.Send(e.msgs...)
	}
	return sendError(err)
}

// sendAckNow writes an ack with no binary attachments straight from a pooled
// buffer (SendNowText), when the codec can write it as one text message: an
// ack goes to one connection, so encoding it into a shared Message would
// only cost allocations. sent is false when the codec cannot.
func (c *client) sendAckNow(pkt parser.Packet) (sent bool, err error) {
	ta, ok := c.srv.opts.Parser.(parser.TextAppender)
	if !ok {
		return false, nil
	}
	tb := textBufs.Get().(*textBuf)
	text, ok, err := ta.AppendText(tb.b[:0], pkt)
	if ok {
		err = sendError(c.sess.SendNowText(text))
	}
	if cap(text) <= maxPooledText {
		tb.b = text
		textBufs.Put(tb)
	}
	return ok, err // an encoding error is returned as it is, as from encode
}

// textBuf is sendAckNow's scratch buffer, pooled.
type textBuf struct{ b []byte }

var textBufs = sync.Pool{New: func() any { return &textBuf{b: make([]byte, 0, 512)} }}

// maxPooledText keeps a huge ack from pinning memory in the pool.
const maxPooledText = 64 << 10

// sendError maps the engine's Send errors to the socket's.
func sendError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, engineio.ErrQueueFull):
		return err // the client is too slow; the caller may retry or give up
	default:
		return ErrNotConnected
	}
}

// onOpen starts the connect timeout; protocol 4 clients (socket.io-client
// 2.x) are connected to the main namespace at once, as they expect.
func (c *client) onOpen() {
	if c.sess.Protocol() == 3 {
		c.connect(&parser.Packet{Type: parser.Connect, Namespace: "/"})
		return
	}
	c.mu.Lock()
	c.connectTimer = time.AfterFunc(c.srv.opts.ConnectTimeout, func() {
		c.mu.Lock()
		idle := len(c.sockets) == 0 && !c.closed
		c.mu.Unlock()
		if idle {
			_ = c.sess.Close()
		}
	})
	c.mu.Unlock()
}

// onMessage decodes one engine message and routes the packet it completes.
func (c *client) onMessage(binary bool, data []byte) {
	c.pktBytes += int64(len(data))
	pkt, err := c.decoder.Add(binary, data)
	if err != nil {
		c.pktBytes = 0
		c.srv.opts.Logger.Debug("socketio: parse error", "sid", c.sess.ID(), "address", c.sess.Request().RemoteAddr, "err", err)
		c.closeWith(ReasonParseError)
		return
	}
	if pkt == nil {
		return // waiting for attachments
	}
	size := c.pktBytes
	c.pktBytes = 0
	if c.route(pkt, size) {
		c.recycle(pkt)
	}
}

// route acts on a complete packet. It reports whether the caller still has
// the packet to hand back to the decoder: an event hands it back itself,
// before its listeners run, as they may let another goroutine decode.
// size is the bytes of the messages that made the packet.
func (c *client) route(pkt *parser.Packet, size int64) (recycle bool) {
	if pkt.Type == parser.Connect {
		c.connect(pkt)
		return true
	}
	c.mu.Lock()
	s := c.socketLocked(pkt.Namespace)
	c.mu.Unlock()
	if s == nil {
		return true // not connected to that namespace: ignored, as in Node
	}
	switch pkt.Type {
	case parser.Event, parser.BinaryEvent:
		args, name, ok := s.incomingEvent(pkt)
		if !ok {
			c.closeWith(ReasonParseError)
			return true
		}
		id, hasID := pkt.ID, pkt.HasID
		c.recycle(pkt)
		s.onEvent(name, args, id, hasID, size)
		return false
	case parser.Ack, parser.BinaryAck:
		if fn := s.acks.take(pkt.ID); fn != nil {
			args, err := elems(pkt)
			if err != nil {
				c.closeWith(ReasonParseError)
				return true
			}
			fn(args)
		}
	case parser.Disconnect:
		c.clientDisconnect(s)
	default:
		c.closeWith(ReasonParseError)
	}
	return true
}

// recycle hands a packet whose arguments have been taken back to the
// decoder, which may reuse its memory for the next one.
func (c *client) recycle(pkt *parser.Packet) {
	if r, ok := c.decoder.(parser.Recycler); ok {
		r.Recycle(pkt)
	}
}

func elems(pkt *parser.Packet) ([]parser.RawValue, error) {
	raw, ok := pkt.Data.(parser.RawValue)
	if !ok {
		return nil, nil
	}
	return raw.Elems()
}

func eventArgs(pkt *parser.Packet) (args []parser.RawValue, name string, ok bool) {
	all, err := elems(pkt)
	if err != nil || len(all) == 0 {
		return nil, "", false
	}
	name, ok = all[0].String()
	return all[1:], name, ok
}

// incomingEvent is eventArgs for an event s received: when s listens to the
// event, the name returned is the listener's own string rather than a new
// one, so routing an event the application listens to allocates no name.
func (s *Socket) incomingEvent(pkt *parser.Packet) (args []parser.RawValue, name string, ok bool) {
	all, err := elems(pkt)
	if err != nil || len(all) == 0 {
		return nil, "", false
	}
	if m, isJSON := all[0].(json.Marshaler); isJSON {
		if b, err := m.MarshalJSON(); err == nil {
			if text, plain := plainJSONString(b); plain {
				if name, ok = s.listenedEvent(text); ok {
					return all[1:], name, true
				}
			}
		}
	}
	name, ok = all[0].String()
	return all[1:], name, ok
}

// plainJSONString returns the text of a JSON string without escapes: its
// bytes between the quotes are the string itself.
func plainJSONString(b []byte) ([]byte, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return nil, false
	}
	text := b[1 : len(b)-1]
	for _, c := range text {
		if c < 0x20 || c == '"' || c == '\\' {
			return nil, false
		}
	}
	return text, utf8.Valid(text)
}

// listenedEvent returns the event of s's first listener for name, if any.
func (s *Socket) listenedEvent(name []byte) (string, bool) {
	s.lmu.RLock()
	defer s.lmu.RUnlock()
	for _, l := range s.listeners {
		if l.event == string(name) { // compared without a conversion
			return l.event, true
		}
	}
	return "", false
}

// connect handles a CONNECT packet: it finds (or creates) the namespace and
// runs the connection on the new socket's inbox, so events the client sends
// meanwhile wait for the connection handlers.
func (c *client) connect(pkt *parser.Packet) {
	name := pkt.Namespace
	auth, err := c.authOf(pkt)
	if err != nil {
		c.closeWith(ReasonParseError)
		return
	}
	c.mu.Lock()
	full := len(c.sockets) >= c.srv.opts.Limits.MaxNamespaces
	c.mu.Unlock()
	if full { // checked before a dynamic namespace is created for the name
		c.srv.count(func(st *Stats) *atomic.Uint64 { return &st.NamespacesRefused })
		c.sendConnectError(name, &ConnectError{Message: "Too many namespaces"})
		return
	}
	nsp := c.srv.namespaceFor(name, auth.fields())
	if nsp == nil {
		c.sendConnectError(name, &ConnectError{Message: "Invalid namespace"})
		return
	}
	c.mu.Lock()
	if c.closed || c.socketLocked(name) != nil {
		c.mu.Unlock()
		return
	}
	s := nsp.newSocket(c, auth, pkt.Query)
	c.sockets = append(c.sockets, s)
	if c.connectTimer != nil {
		c.connectTimer.Stop()
		c.connectTimer = nil // a stopped timer kept for the connection's life is waste
	}
	c.mu.Unlock()
	s.inbox.push(c.srv, func() { nsp.runConnect(s) })
}

// authOf reads the connect payload: the auth object (protocol 5), or the
// namespace query (protocol 4), which Node also exposes as auth. An absent
// or empty payload is nil, which costs an idle socket nothing; Node's empty
// object is made where the auth is shown (Handshake, dynamic namespaces).
func (c *client) authOf(pkt *parser.Packet) (*connectAuth, error) {
	if c.sess.Protocol() == 3 {
		if pkt.Query == "" {
			return nil, nil
		}
		q, err := url.ParseQuery(pkt.Query)
		if err != nil {
			return nil, err
		}
		auth := make(map[string]any, len(q))
		for k, v := range q {
			auth[k] = v[0]
		}
		return &connectAuth{m: auth}, nil
	}
	raw, ok := pkt.Data.(parser.RawValue)
	if !ok {
		return nil, nil
	}
	var auth map[string]any
	if err := raw.Unmarshal(&auth); err != nil {
		return nil, err
	}
	if len(auth) == 0 {
		return nil, nil
	}
	// The text is kept as sent (Handshake.AuthRaw): it is part of the
	// message, which the engine hands over for good.
	return &connectAuth{m: auth, raw: slices.Clip(trimJSONSpace(raw.Raw()))}, nil
}

// sendConnectError refuses a namespace connection with Node's payload
// shapes: {message, data} for protocol 5, a plain value for protocol 4.
func (c *client) sendConnectError(nsp string, err error) {
	var ce *ConnectError
	if !errors.As(err, &ce) {
		// Only a ConnectError is meant for the client: another error's text
		// may tell it what it must not know.
		c.srv.opts.Logger.Warn("socketio: connection refused by middleware", "nsp", nsp, "sid", c.sess.ID(),
			"address", c.sess.Request().RemoteAddr, "err", err)
		ce = &ConnectError{Message: "Internal server error"}
	}
	var data any
	if c.sess.Protocol() == 3 {
		data = ce.Message
		if ce.Data != nil {
			data = ce.Data
		}
	} else {
		m := map[string]any{"message": ce.Message}
		if ce.Data != nil {
			m["data"] = ce.Data
		}
		data = m
	}
	_ = c.sendPacket(&parser.Packet{Type: parser.ConnectError, Namespace: nsp, Data: data}, false)
}

// clientDisconnect ends s at its client's DISCONNECT. A socket still
// connecting is dropped (dropConnecting); one whose connection handlers run
// is closed as any other: the handlers' "disconnect" listeners run after
// them, and no CONNECT follows.
func (c *client) clientDisconnect(s *Socket) {
	if c.dropConnecting(s) {
		return
	}
	s.dropHeld() // the client left: no CONNECT for it, nor what was held
	s.onClose(ReasonClientDisconnect)
}

// dropConnecting removes s from the client if its connection is still being
// set up (its middlewares or connection handlers have yet to run), so that
// it never connects: runConnect sees it gone, whether it has yet to start or
// is about to mark the socket connected (it checks again under c.mu once it
// has). It reports whether it did.
func (c *client) dropConnecting(s *Socket) bool {
	c.mu.Lock()
	connecting := !s.connected.Load() && c.socketLocked(s.nsp.name) == s
	if connecting {
		c.sockets = slices.DeleteFunc(c.sockets, func(x *Socket) bool { return x == s })
	}
	c.mu.Unlock()
	if connecting {
		s.abandon()
	}
	return connecting
}

func (c *client) removeSocket(s *Socket) {
	c.mu.Lock()
	c.sockets = slices.DeleteFunc(c.sockets, func(x *Socket) bool { return x == s })
	c.mu.Unlock()
}

// socketLocked returns the socket in namespace name, or nil.
func (c *client) socketLocked(name string) *Socket {
	for _, s := range c.sockets {
		if s.nsp.name == name {
			return s
		}
	}
	return nil
}

func (c *client) socketList() []*Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sockets)
}

// closeWith disconnects every socket with reason and closes the session.
func (c *client) closeWith(reason DisconnectReason) {
	for _, s := range c.socketList() {
		s.onClose(reason)
	}
	_ = c.sess.Close()
}

// disconnectAll is Socket.Disconnect(true): every socket is told, then the
// connection closes once those packets are out.
func (c *client) disconnectAll() {
	for _, s := range c.socketList() {
		s.Disconnect(false)
	}
	_ = c.sess.Close()
}

// onClose is the end of the engine session.
func (c *client) onClose(reason engineio.CloseReason) {
	c.mu.Lock()
	c.closed = true
	if c.connectTimer != nil {
		c.connectTimer.Stop()
		c.connectTimer = nil
	}
	c.mu.Unlock()
	r := DisconnectReason(reason)
	if reason == engineio.ReasonServerShutdown {
		r = ReasonServerShuttingDown
	}
	for _, s := range c.socketList() {
		if !s.connected.Load() {
			s.abandon() // still connecting: runConnect sees c.closed
		}
		s.onClose(r)
	}
	c.decoder.Reset()
}

// engineHandler connects the engine's sessions to the Socket.IO server.
type engineHandler struct{ srv *Server }

func (h engineHandler) OnOpen(sess *engineio.Session) {
	c := &client{
		srv:     h.srv,
		sess:    sess,
		decoder: h.srv.opts.Parser.NewDecoder(),
	}
	sess.SetValue(c)
	c.onOpen()
}

func (h engineHandler) OnMessage(sess *engineio.Session, binary bool, data []byte) {
	if c, ok := sess.Value().(*client); ok {
		c.onMessage(binary, data)
	}
}

func (h engineHandler) OnClose(sess *engineio.Session, reason engineio.CloseReason, _ error) {
	if c, ok := sess.Value().(*client); ok {
		c.onClose(reason)
	}
}

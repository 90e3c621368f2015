// Package postgresadapter clusters Socket.IO servers over PostgreSQL
// LISTEN/NOTIFY, wire-compatible with Node's @socket.io/postgres-adapter
// 0.5: gosio and Node servers on one database form one cluster, and no
// Redis is needed.
//
//	pool, _ := pgxpool.New(ctx, "postgres://...")
//	_ = postgresadapter.CreateTable(ctx, pool, "") // once per database
//	io := socketio.NewServer(&socketio.Options{Adapter: postgresadapter.New(pool, nil)})
//
// On the wire, as Node's adapter: each namespace has a channel,
// <ChannelPrefix>#<namespace>; a message is NOTIFY'd as JSON ({type, data,
// uid, nsp}, socket.io-adapter's ClusterAdapter messages), unless it
// carries binary (broadcasts, server-side emits and their answers) or its
// JSON reaches PayloadThreshold (8000) bytes, PostgreSQL's NOTIFY limit:
// then its msgpack goes into the attachment table (id bigserial,
// created_at timestamptz, payload bytea) and the NOTIFY carries a header
// {uid, type, attachmentId}. Every CleanupInterval (30s) each server
// deletes the attachments older than CleanupInterval.
//
// Servers count each other as ClusterAdapterWithHeartbeat does: each
// announces itself when it starts, sends a heartbeat HeartbeatInterval (5s)
// after its last message, says goodbye when it closes, and stops counting a
// server silent for HeartbeatTimeout (10s). fetchSockets and serverSideEmit
// with acknowledgements wait for the servers counted when they start, and
// no longer for one that leaves.
//
// Messages without a namespace, as Node's @socket.io/postgres-emitter
// 0.1.1 sends them, go to the namespace of their channel (Node's adapter
// drops them). Package postgresemitter publishes from processes without a
// server.
//
// Each server holds one dedicated connection (with the pool's settings) to
// LISTEN, shared by its namespaces; after a PostgreSQL restart it
// reconnects, in 1 to 3 seconds as Node's adapter does, and LISTENs again.
// Messages sent while it was away are lost, as with Node's adapter, and
// connection state recovery does not cross servers.
package postgresadapter

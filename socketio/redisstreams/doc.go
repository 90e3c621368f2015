// Package redisstreams lets gosio servers (and Node.js Socket.IO servers)
// form a cluster over Redis Streams, wire-compatible with Node's
// @socket.io/redis-streams-adapter 0.3.x.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	io := socketio.NewServer(&socketio.Options{Adapter: redisstreams.New(rdb, nil)})
//
// How it travels, as in Node: broadcasts (without acknowledgements),
// socketsJoin, socketsLeave and disconnectSockets are appended to a Redis
// stream (XADD, trimmed to about MaxLen entries), which every server reads
// with XREAD BLOCK from the last entry it has read; requests that wait for
// answers (fetchSockets, serverSideEmit, broadcasts with acknowledgements)
// are published on the Pub/Sub channel <prefix>#<nsp># and answered on the
// requester's own channel <prefix>#<nsp>#<uid>#. Servers are counted with
// PUBSUB NUMSUB on the first channel (SHARDNUMSUB with UseShardedPubSub).
//
// Because the stream stores its entries, a server that loses Redis for a
// while (a restart, a network cut) reconnects and resumes reading where it
// stopped: it misses nothing the stream still holds. What Pub/Sub carries
// (the requests) is lost meanwhile, and requests return errors while Redis
// is away.
//
// What a server writes to the stream meanwhile is not lost either, as
// node-redis' offline queue keeps it for Node's adapter: an entry whose
// XADD certainly did not reach Redis (the connection could not be opened;
// see Options.MaxPending) is held, and so is every entry made after it,
// until Redis answers again; then they are appended in order, and each
// takes effect on this server at that moment, as Node's adapter awaits the
// XADD: a held broadcast reaches the local sockets with its entry id as
// offset, and Broadcast (Emit) returns nil. Past MaxPending or
// MaxPendingBytes, an operation takes effect on this server only and
// returns an error wrapping ErrPendingFull. An XADD that may have reached
// Redis (a reply lost, a timeout) is never sent again, since it would then
// be appended twice: the operation takes effect on this server only and
// returns the error. Close drops what is still held, logging how many
// entries, after applying it on this server, so that no local socket still
// connected misses it (Server.Close and Shutdown disconnect the sockets
// before they close the adapters: there the log line is what is left). A
// Warn is logged when entries start to be held (and when the bounds are
// first reached) and an Info when they have all been sent; each entry held,
// or refused for lack of room, counts in the server's Stats.AdapterRequests
// as the kind "xaddHeld" (ok: appended; error: refused or dropped), timed
// from hold to append.
//
// With connection state recovery on (socketio.Options.ConnectionStateRecovery),
// each broadcast event's offset is its stream entry id, Node's format, so a
// client can recover its missed events on any server of the cluster, Node
// or Go; the sessions are kept in Redis (see PersistSession and
// RestoreSession). A socket's own emits are then broadcasts to its room,
// stored too, as Node's socket.emit: one with an acknowledgement keeps its
// ack id in the entry (no offset), and is replayed, like every stored
// broadcast, as a plain event with its entry id.
//
// On a Redis Cluster pass a *redis.ClusterClient: the stream lives on the
// master of its key's slot, Pub/Sub messages cross the cluster bus (or go
// to their channel's shard with UseShardedPubSub), and servers are counted
// over every master.
//
// The package redisstreamsemitter publishes into such a cluster from any
// process.
package redisstreams

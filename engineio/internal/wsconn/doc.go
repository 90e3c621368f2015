// Package wsconn implements the WebSocket (RFC 6455) framing that gosio needs
// on top of a connection hijacked with github.com/gobwas/ws.
//
// gobwas/ws does the HTTP upgrade and offers low-level header helpers; this
// package adds the parts a server must get right itself:
//
//   - Reader: reads complete client messages (masked frames, fragmentation,
//     interleaved control frames, close handshake, UTF-8 validation of text,
//     a message size limit and permessage-deflate decompression).
//   - AppendFrame, AppendCompressedFrame, AppendControlFrame, CloseFrame:
//     build complete server frames as bytes, so the engine can prepare a frame
//     once, share it between connections and batch many of them in one
//     net.Buffers (writev) write.
//   - CloseStatus: maps a Reader error to the close code the server answers
//     with.
//   - Deflate: permessage-deflate negotiation (no context takeover only) for
//     ws.HTTPUpgrader.Negotiate.
//
// Memory is the main design constraint: an idle Reader holds no buffers
// besides a 14-byte header array and a 125-byte control frame array; payload
// buffers are allocated per message and grow only as bytes actually arrive, and
// flate state is borrowed from a sync.Pool only while a compressed message is
// being (de)compressed.
package wsconn

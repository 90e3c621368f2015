package engineio

// CloseReason says why a session closed. The values are Node's reason strings,
// which the Socket.IO layer passes on to applications.
type CloseReason string

// The reasons a session closes.
const (
	// ReasonTransportClose: the client closed the connection or sent a close packet.
	ReasonTransportClose CloseReason = "transport close"
	// ReasonTransportError: the connection failed, or the client broke a limit.
	ReasonTransportError CloseReason = "transport error"
	// ReasonPingTimeout: the client did not answer the heartbeat in time.
	ReasonPingTimeout CloseReason = "ping timeout"
	// ReasonParseError: the client sent something that does not decode.
	ReasonParseError CloseReason = "parse error"
	// ReasonForcedClose: the application called [Session.Close].
	ReasonForcedClose CloseReason = "forced close"
	// ReasonServerShutdown: the server is closing ([Server.Close], [Server.Shutdown]).
	ReasonServerShutdown CloseReason = "server shutting down"
)

package socketio

// DisconnectReason says why a socket disconnected. The values are Node's
// reason strings, so logs and client code read the same on both servers.
type DisconnectReason string

// The reasons a socket disconnects.
const (
	ReasonTransportClose     DisconnectReason = "transport close"
	ReasonTransportError     DisconnectReason = "transport error"
	ReasonPingTimeout        DisconnectReason = "ping timeout"
	ReasonParseError         DisconnectReason = "parse error"
	ReasonServerDisconnect   DisconnectReason = "server namespace disconnect"
	ReasonClientDisconnect   DisconnectReason = "client namespace disconnect"
	ReasonServerShuttingDown DisconnectReason = "server shutting down"
	ReasonForcedClose        DisconnectReason = "forced close"
	ReasonForcedServerClose  DisconnectReason = "forced server close"
)

// reservedEvents may not be emitted by applications: the client gives them
// meanings of its own.
var reservedEvents = map[string]bool{
	"connect":        true,
	"connect_error":  true,
	"disconnect":     true,
	"disconnecting":  true,
	"newListener":    true,
	"removeListener": true,
}

package auth

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Who sent a request, for the fair queue of signature checks (limit.go): one
// client cannot take more than its share of the queue however many
// connections it opens. A client is the peer address: an IPv4 address, or the
// /64 of an IPv6 one (one home or one server gets a whole /64, so its
// addresses are one client). Behind a reverse proxy every request comes from
// the proxy, so with Config.TrustedProxies the client is taken from
// X-Forwarded-For instead, but only when the peer is one of those proxies:
// anyone else could write that header.

// clientKey returns the fair-queue key of r's client.
func clientKey(r *http.Request, trusted []netip.Prefix) string {
	peer := peerAddr(r.RemoteAddr)
	if !peer.IsValid() {
		return r.RemoteAddr // not an IP (a unix socket, a test): one client
	}
	if len(trusted) > 0 && isTrusted(peer, trusted) {
		if a, ok := forwardedFor(r.Header.Values("X-Forwarded-For"), trusted); ok {
			peer = a
		}
	}
	return keyOfAddr(peer)
}

// forwardedFor walks X-Forwarded-For from the right (the entry the nearest
// proxy added) past the trusted proxies and returns the first address that is
// not one: the client as the outermost trusted proxy saw it. Entries further
// left were written by the client itself and prove nothing.
func forwardedFor(values []string, trusted []netip.Prefix) (netip.Addr, bool) {
	var hops []string
	for _, v := range values {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a := peerAddr(strings.TrimSpace(hops[i]))
		if !a.IsValid() {
			return netip.Addr{}, false // garbage: keep the proxy's own address
		}
		if !isTrusted(a, trusted) {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// peerAddr parses "ip", "ip:port" or "[ip]:port"; the zero Addr when it is none.
func peerAddr(s string) netip.Addr {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap()
	}
	host, _, err := net.SplitHostPort(s)
	if err != nil {
		return netip.Addr{}
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func keyOfAddr(a netip.Addr) string {
	if a.Is6() {
		p, _ := a.WithZone("").Prefix(64)
		return p.String()
	}
	return a.String()
}

package auth

import "sync/atomic"

// stats counts what the package does, for tests and for the metrics hook.
type stats struct {
	signatureChecks atomic.Int64 // tokens whose signature was checked (cache misses)
	cacheHits       atomic.Int64 // tokens served from the verified-token cache
}

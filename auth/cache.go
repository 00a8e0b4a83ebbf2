package auth

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"
)

// tokenKey identifies a token in the caches: the SHA-256 of the whole token,
// so a token that differs in any byte (a tampered signature) is a different
// entry, and the caches never hold the token itself.
type tokenKey [sha256.Size]byte

// keyOf hashes the token. sha256 takes bytes, so the token is copied into a
// pooled buffer first: no unsafe, and no 1 KiB allocation on every request
// (which []byte(token) costs, cache hits included).
func keyOf(token string) tokenKey {
	bp := hashBuffers.Get().(*[]byte)
	buf := append((*bp)[:0], token...)
	k := sha256.Sum256(buf)
	if cap(buf) <= 16<<10 { // a huge token must not pin a huge buffer
		*bp = buf
		hashBuffers.Put(bp)
	}
	return k
}

var hashBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 2<<10); return &b }}

// cacheShards spreads entries over independently locked shards so concurrent
// requests do not serialise on one lock.
const cacheShards = 32

// ttlCache is a bounded LRU cache whose entries also expire at a given time.
// The zero capacity disables it.
type ttlCache[V any] struct {
	shards   [cacheShards]cacheShard[V]
	perShard int
}

type cacheShard[V any] struct {
	mu    sync.Mutex
	items map[tokenKey]*list.Element
	order list.List // front: most recently used
}

type cacheEntry[V any] struct {
	key     tokenKey
	value   V
	expires time.Time
}

// newTTLCache holds at most about capacity entries (rounded up to a multiple
// of the shard count).
func newTTLCache[V any](capacity int) *ttlCache[V] {
	c := &ttlCache[V]{}
	if capacity > 0 {
		c.perShard = (capacity + cacheShards - 1) / cacheShards
	}
	for i := range c.shards {
		c.shards[i].items = make(map[tokenKey]*list.Element)
	}
	return c
}

func (c *ttlCache[V]) shard(k tokenKey) *cacheShard[V] {
	return &c.shards[binary.LittleEndian.Uint32(k[:4])%cacheShards]
}

// get returns the value stored for k if it has not expired at now.
func (c *ttlCache[V]) get(k tokenKey, now time.Time) (V, bool) {
	var zero V
	if c.perShard == 0 {
		return zero, false
	}
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.items[k]
	if !ok {
		return zero, false
	}
	e := el.Value.(*cacheEntry[V])
	if !now.Before(e.expires) {
		s.order.Remove(el)
		delete(s.items, k)
		return zero, false
	}
	s.order.MoveToFront(el)
	return e.value, true
}

// put stores v for k until expires, evicting the least recently used entry of
// the shard when it is full.
func (c *ttlCache[V]) put(k tokenKey, v V, expires time.Time) {
	if c.perShard == 0 {
		return
	}
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.items[k]; ok {
		e := el.Value.(*cacheEntry[V])
		e.value, e.expires = v, expires
		s.order.MoveToFront(el)
		return
	}
	for s.order.Len() >= c.perShard {
		oldest := s.order.Back()
		s.order.Remove(oldest)
		delete(s.items, oldest.Value.(*cacheEntry[V]).key)
	}
	s.items[k] = s.order.PushFront(&cacheEntry[V]{key: k, value: v, expires: expires})
}

// delete removes k's entry, if any.
func (c *ttlCache[V]) delete(k tokenKey) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.items[k]; ok {
		s.order.Remove(el)
		delete(s.items, k)
	}
}

// deleteIf removes every entry whose value matches and returns how many. It
// walks the whole cache, one shard lock at a time: for rare events such as a
// key rotation, not for requests.
func (c *ttlCache[V]) deleteIf(match func(V) bool) int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for k, el := range s.items {
			if match(el.Value.(*cacheEntry[V]).value) {
				s.order.Remove(el)
				delete(s.items, k)
				n++
			}
		}
		s.mu.Unlock()
	}
	return n
}

// len returns the number of entries held (expired ones included until evicted).
func (c *ttlCache[V]) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += s.order.Len()
		s.mu.Unlock()
	}
	return n
}

// capacity returns the most entries the cache can hold.
func (c *ttlCache[V]) capacity() int { return c.perShard * cacheShards }

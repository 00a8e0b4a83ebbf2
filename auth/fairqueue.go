package auth

import "container/list"

// The waiting room of the signature checks (limit.go). Tokens wait in lanes
// (session tokens in one, each VerifyJWT caller's kind of token in its own,
// see InLane), and within a lane per client (the peer address, see
// clientKey). Slots go round-robin: from lane to lane, and within a lane from
// client to client, each client's tokens in arrival order. So a flood in one
// lane cannot delay another lane by more than one check per turn, and one
// client with many connections gets one turn in each round, like any other.
//
// When a lane is full, the newest token of its longest client queue makes
// room for a token from a client with fewer waiting (and is refused at once
// for lack of capacity); a token from the longest queue itself is refused.
// So a flood fills only its own client's share, and a newcomer always finds a
// place.
//
// waitRoom and laneQueue do no locking and no timing: checkLimiter holds its
// mutex around every call, and the tests drive them step by step.

// waitKey is where a token waits: its lane and its client.
type waitKey struct{ lane, client string }

// waiter is one token waiting for a signature-check slot.
type waiter struct {
	key     waitKey
	ready   chan struct{} // closed when granted or pushed out
	granted bool          // a slot is its own
	dropped bool          // refused to make room for another client's token
	client  *clientQueue
	elem    *list.Element // in client.waiters
}

// clientQueue is one client's waiting tokens in one lane, oldest first.
type clientQueue struct {
	name    string
	waiters list.List     // of *waiter
	turn    *list.Element // in laneQueue.turns
}

// laneQueue is one lane: the clients with waiting tokens, in turn order.
type laneQueue struct {
	name    string
	limit   int // tokens waiting in the lane, at most
	n       int
	clients map[string]*clientQueue
	turns   list.List // of *clientQueue; the front one is served next
}

// waitRoom is every lane, served in turn.
type waitRoom struct {
	limit int          // per lane
	lanes []*laneQueue // in creation order; few (one per kind of token)
	byKey map[string]*laneQueue
	next  int // the lane whose turn it is
	n     int // tokens waiting in all lanes
}

func newWaitRoom(limitPerLane int) *waitRoom {
	return &waitRoom{limit: limitPerLane, byKey: map[string]*laneQueue{}}
}

func (r *waitRoom) lane(name string) *laneQueue {
	q := r.byKey[name]
	if q == nil {
		q = &laneQueue{name: name, limit: r.limit, clients: map[string]*clientQueue{}}
		r.byKey[name] = q
		r.lanes = append(r.lanes, q)
	}
	return q
}

// push queues w. It returns false when w is refused (its lane is full and w's
// client already has the longest queue in it); otherwise it returns the
// waiter pushed out to make room, if any, which the caller must tell.
func (r *waitRoom) push(w *waiter) (dropped *waiter, ok bool) {
	q := r.lane(w.key.lane)
	c := q.clients[w.key.client]
	if q.n >= q.limit {
		if r.wouldRefuse(w.key) {
			return nil, false
		}
		longest := q.longest()
		dropped = longest.waiters.Back().Value.(*waiter)
		r.remove(dropped)
		dropped.dropped = true
	}
	if c == nil {
		c = &clientQueue{name: w.key.client}
		c.turn = q.turns.PushBack(c)
		q.clients[w.key.client] = c
	}
	w.client = c
	w.elem = c.waiters.PushBack(w)
	q.n++
	r.n++
	return dropped, true
}

// wouldRefuse reports whether push would refuse a token with key (and not
// make room for it).
func (r *waitRoom) wouldRefuse(key waitKey) bool {
	q := r.byKey[key.lane]
	if q == nil || q.n < q.limit {
		return false
	}
	mine := 0
	if c := q.clients[key.client]; c != nil {
		mine = c.waiters.Len()
	}
	longest := q.longest()
	return longest == nil || mine+1 >= longest.waiters.Len()
}

// longest returns the client with the most waiting tokens (the first of
// equals in turn order), nil when none waits. A lane holds at most limit
// tokens, so at most that many clients.
func (q *laneQueue) longest() *clientQueue {
	var best *clientQueue
	for e := q.turns.Front(); e != nil; e = e.Next() {
		if c := e.Value.(*clientQueue); best == nil || c.waiters.Len() > best.waiters.Len() {
			best = c
		}
	}
	return best
}

// pop removes and returns the token whose turn it is, nil when none waits.
func (r *waitRoom) pop() *waiter {
	if r.n == 0 {
		return nil
	}
	for range r.lanes {
		q := r.lanes[r.next]
		r.next = (r.next + 1) % len(r.lanes)
		if q.n == 0 {
			continue
		}
		c := q.turns.Front().Value.(*clientQueue)
		w := c.waiters.Front().Value.(*waiter)
		r.remove(w)
		if c.waiters.Len() > 0 { // its next token waits for the next round
			q.turns.MoveToBack(c.turn)
		}
		return w
	}
	return nil
}

// remove takes w out of the room (granted, pushed out, or given up).
func (r *waitRoom) remove(w *waiter) {
	c := w.client
	if c == nil {
		return
	}
	q := r.byKey[w.key.lane]
	c.waiters.Remove(w.elem)
	w.client, w.elem = nil, nil
	q.n--
	r.n--
	if c.waiters.Len() == 0 {
		q.turns.Remove(c.turn)
		delete(q.clients, c.name)
	}
}

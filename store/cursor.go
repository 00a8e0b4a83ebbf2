package store

import (
	"encoding/base64"
	"encoding/binary"
	"time"
)

// A cursor names the position right after one todo in the list order
// (created_at DESC, id DESC): a version byte, created_at as big-endian Unix
// microseconds, and the id's 16 bytes, in unpadded base64url. It is opaque to
// clients, and it is only a position: a cursor pointing at another owner's
// todo (or at no todo at all) pages through the caller's own todos from there.
const (
	cursorVersion = 1
	cursorBytes   = 1 + 8 + 16
)

// cursorEncoding is strict, so every position has exactly one spelling.
var cursorEncoding = base64.RawURLEncoding.Strict()

// The times a cursor may carry: those sqliteTimeLayout writes with four-digit
// years, so both databases compare them correctly.
var (
	cursorMinTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	cursorMaxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
)

// encodeCursor returns the cursor that continues after t.
func encodeCursor(t Todo) string {
	id, ok := uuidBytes(t.ID)
	if !ok {
		// Ids come from newID (or a uuid column); anything else is a bug.
		panic("store: todo with a non-UUID id " + t.ID)
	}
	var b [cursorBytes]byte
	b[0] = cursorVersion
	binary.BigEndian.PutUint64(b[1:9], uint64(t.CreatedAt.UnixMicro()))
	copy(b[9:], id[:])
	return cursorEncoding.EncodeToString(b[:])
}

// decodeCursor returns the created_at and id a cursor continues after, or
// ErrBadCursor.
func decodeCursor(s string) (time.Time, string, error) {
	if len(s) != cursorEncoding.EncodedLen(cursorBytes) {
		return time.Time{}, "", ErrBadCursor
	}
	var b [cursorBytes]byte
	if n, err := cursorEncoding.Decode(b[:], []byte(s)); err != nil || n != cursorBytes || b[0] != cursorVersion {
		return time.Time{}, "", ErrBadCursor
	}
	at := time.UnixMicro(int64(binary.BigEndian.Uint64(b[1:9]))).UTC()
	if at.Before(cursorMinTime) || at.After(cursorMaxTime) {
		return time.Time{}, "", ErrBadCursor
	}
	return at, formatUUID([16]byte(b[9:])), nil
}

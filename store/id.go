package store

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
)

// newID returns a random (version 4, RFC 9562) UUID in canonical lowercase form.
func newID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // variant 10
	return formatUUID(b), nil
}

// formatUUID writes b in the canonical lowercase 8-4-4-4-12 form.
func formatUUID(b [16]byte) string {
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// uuidBytes is formatUUID's inverse for an id that normalizeID accepts.
func uuidBytes(id string) ([16]byte, bool) {
	var b [16]byte
	id, ok := normalizeID(id)
	if !ok {
		return b, false
	}
	h := id[0:8] + id[9:13] + id[14:18] + id[19:23] + id[24:]
	if _, err := hex.Decode(b[:], []byte(h)); err != nil {
		return b, false
	}
	return b, true
}

// normalizeID reports whether id is a UUID in the canonical 8-4-4-4-12 hex form
// and returns it in lowercase, the form ids are stored in. Anything else cannot
// name a todo, so callers answer ErrNotFound without asking the database (a
// PostgreSQL uuid column would otherwise reject it with an error).
func normalizeID(id string) (string, bool) {
	if len(id) != 36 {
		return "", false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return "", false
			}
		}
	}
	return strings.ToLower(id), true
}

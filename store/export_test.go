package store

import (
	"database/sql"
	"time"
)

// Test hooks for the external store_test package.

// SetClock replaces s's clock.
func SetClock(s Store, now func() time.Time) { s.(*sqlStore).now = now }

// WriterDB and ReaderDB expose the connection pools.
func WriterDB(s Store) *sql.DB { return s.(*sqlStore).w }
func ReaderDB(s Store) *sql.DB { return s.(*sqlStore).r }

// ListAfterSQL is the query for a page after a cursor.
const ListAfterSQL = listAfterSQL

// TimeArg converts t into a query argument for s's database.
func TimeArg(s Store, t time.Time) any { return s.(*sqlStore).d.timeArg(t) }

// Dialect names s's database, "sqlite" or "postgres".
func Dialect(s Store) string { return s.(*sqlStore).d.name }

// LoadMigrations lists the embedded migrations of a dialect as version → name.
func LoadMigrations(dialect string) (map[int]string, error) {
	ms, err := loadMigrations(dialect)
	if err != nil {
		return nil, err
	}
	out := map[int]string{}
	for _, m := range ms {
		out[m.version] = m.name
	}
	return out, nil
}

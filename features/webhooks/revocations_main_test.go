package webhooks

import (
	"testing"

	"github.com/hanko-gin/hanko-gin/store/storetest"
)

// TestMain stops the throwaway PostgreSQL of storetest after the tests.
func TestMain(m *testing.M) { storetest.Main(m) }

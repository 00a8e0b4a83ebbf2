//go:build !linux

package storetest

import (
	"os"
	"syscall"
)

const canSwitchUser = false

// procAttr: elsewhere postgres stays in the tests' process group, so a Ctrl-C
// stops it too; there is no parent-death signal to kill it with a crashed test
// binary, and no switch away from root (initdb then refuses with its own message).
func procAttr(*credential) *syscall.SysProcAttr { return nil }

func quit(p *os.Process) error { return p.Kill() }

func shutDown(p *os.Process) error { return p.Kill() }

// processAlive answers true, so directories left behind are never removed
// automatically outside Linux.
func processAlive(int) bool { return true }

package storetest

import (
	"errors"
	"os"
	"syscall"
)

const canSwitchUser = true

// procAttr runs initdb and postgres as c (when not nil), in a process group
// of their own (a Ctrl-C meant for the tests does not reach them half-way),
// and makes the kernel kill postgres when the test binary dies, however it dies.
// PostgreSQL's own child processes exit when the postmaster dies.
func procAttr(c *credential) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if c != nil {
		a.Credential = &syscall.Credential{Uid: c.Uid, Gid: c.Gid, Groups: []uint32{}}
	}
	return a
}

// quit asks postgres for an immediate shutdown.
func quit(p *os.Process) error { return p.Signal(syscall.SIGQUIT) }

// shutDown asks postgres for a fast shutdown: it ends every session and
// writes a checkpoint, as a restart by an operator does.
func shutDown(p *os.Process) error { return p.Signal(syscall.SIGINT) }

// processAlive reports whether process pid exists (perhaps as another user).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

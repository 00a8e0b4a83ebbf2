package storetest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/internal/testenv"
)

// TestServerDiesWithTestBinary SIGKILLs a test binary that has started its
// throwaway PostgreSQL (so no cleanup code of its own runs) and checks that
// the server and all its processes die with it, and that the directory left
// behind is removed by the next start.
func TestServerDiesWithTestBinary(t *testing.T) {
	if findBinDir(exec.LookPath, pgBinGlob) == "" {
		testenv.Missing(t, missingPostgres)
	}
	cmd := helper(t, "start", "TEST_DATABASE_URL=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	found := make(chan string, 1)
	var out bytes.Buffer
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "storetest-helper: "); ok {
				found <- rest
				return
			}
			fmt.Fprintln(&out, sc.Text())
		}
		close(found)
	}()
	var line string
	select {
	case l, ok := <-found:
		if !ok {
			cmd.Wait()
			t.Fatalf("the helper did not start a server:\n%s%s", &out, &stderr)
		}
		line = l
	case <-time.After(2 * time.Minute):
		t.Fatal("the helper did not start a server within 2 minutes")
	}
	pidText, dir, _ := strings.Cut(line, " ")
	pid, err := strconv.Atoi(pidText)
	if err != nil {
		t.Fatalf("bad helper line %q", line)
	}
	// PostgreSQL's children are in sessions of their own, so they are found
	// by parent while the postmaster lives.
	server := append(children(t, pid), pid)
	if len(server) < 2 {
		t.Fatalf("postgres (pid %d) has no child processes yet; want the postmaster and its children", pid)
	}

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var live []int
		for _, p := range server {
			if alive(p) {
				live = append(live, p)
			}
		}
		if len(live) == 0 {
			break
		}
		if time.Now().After(deadline) {
			for _, p := range live {
				syscall.Kill(p, syscall.SIGKILL)
			}
			t.Fatalf("PostgreSQL processes %v still run 30s after their test binary was killed", live)
		}
		time.Sleep(20 * time.Millisecond)
	}

	if _, err := os.Stat(filepath.Join(dir, "data")); err != nil {
		t.Fatalf("the killed binary's data directory should still be there: %v", err)
	}
	removeStaleDirs()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		os.RemoveAll(dir)
		t.Fatalf("removeStaleDirs left %s behind (%v)", dir, err)
	}
}

// children lists the processes whose parent is pid.
func children(t *testing.T, pid int) []int {
	t.Helper()
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, d := range dirs {
		if f := procStat(d); len(f) >= 2 && f[1] == strconv.Itoa(pid) {
			n, _ := strconv.Atoi(filepath.Base(d))
			out = append(out, n)
		}
	}
	return out
}

// alive reports whether pid runs and is not a zombie (an orphan's zombie may
// wait for a reaper that never comes).
func alive(pid int) bool {
	f := procStat("/proc/" + strconv.Itoa(pid))
	return len(f) > 0 && f[0] != "Z"
}

// procStat returns the fields of /proc/<pid>/stat after the command name:
// state, ppid, pgrp, ...; nil if the process is gone.
func procStat(dir string) []string {
	b, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return nil
	}
	return strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:])) // the name may contain ")"
}

//go:build !linux

package dynamotest

import "os/exec"

// setDeathSignal is Linux-only; elsewhere Stop, at the end of TestMain,
// stops the server.
func setDeathSignal(cmd *exec.Cmd) {}

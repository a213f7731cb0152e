//go:build !linux

package dynamo

import "os/exec"

// setDeathSignal is Linux-only; elsewhere TestMain's cleanup stops the server.
func setDeathSignal(cmd *exec.Cmd) {}

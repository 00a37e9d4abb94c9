//go:build tools

// Package tools pins the promtool the test harness builds from this module.
package tools

import _ "github.com/prometheus/prometheus/cmd/promtool"

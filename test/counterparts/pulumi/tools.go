//go:build tools

// Package tools pins the Pulumi CLI the test harness builds from this module.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"

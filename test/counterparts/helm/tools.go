//go:build tools

// Package tools pins the Helm CLI the test harness builds from this module.
package tools

import _ "helm.sh/helm/v3/cmd/helm"

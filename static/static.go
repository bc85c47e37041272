// Package static embeds the page's assets: plain ES modules and CSS, served
// as they are (no build step, nothing from the network).
package static

import "embed"

// FS holds the assets.
//
//go:embed *.js *.css *.svg
var FS embed.FS

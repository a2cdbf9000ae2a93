#!/bin/sh
# corpus helper: deliberately NOT executable (mode 0644)
exit 0

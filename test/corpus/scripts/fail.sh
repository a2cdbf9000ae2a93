#!/bin/sh
# corpus helper: a check that always fails
exit 1

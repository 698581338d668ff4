"""The creator's pages for scheduling, editing, starting, ending and cancelling
live sessions. (Being written.)"""

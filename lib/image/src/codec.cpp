// placeholder until this file's part of issue 13 is written

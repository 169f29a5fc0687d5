<?xml version="1.0" encoding="UTF-8"?>
<!-- pipe: capture and write frames to stdout (see README.md) -->
<dmhs>
  <base>
    <siteid>1</siteid>
  </base>
  <cpt>
    <db_type>MYSQL</db_type>
    <db_server>127.0.0.1</db_server>
    <db_user>repl</db_user>
    <db_pwd>change-me</db_pwd>
    <db_name>app</db_name>
    <send>
      <stdio>1</stdio>
    </send>
  </cpt>
</dmhs>
